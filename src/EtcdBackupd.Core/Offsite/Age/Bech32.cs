namespace EtcdBackupd.Offsite.Age;

/// <summary>
/// BIP 173 Bech32, as the age format uses it for <c>age1…</c> recipients and <c>AGE-SECRET-KEY-1…</c>
/// identities: the original checksum constant (not Bech32m) and no 90-character limit. No package
/// served here does this under Native AOT without bringing a whole Bitcoin library along.
/// </summary>
internal static class Bech32
{
    private const string Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    private const int ChecksumLength = 6;
    private static readonly uint[] Generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

    /// <summary>Lower-case Bech32 of <paramref name="data"/> under <paramref name="hrp"/>.</summary>
    public static string Encode(string hrp, ReadOnlySpan<byte> data)
    {
        hrp = hrp.ToLowerInvariant();
        var values = ConvertBits(data, 8, 5, pad: true)!;
        var checksum = Checksum(hrp, values);
        var text = new System.Text.StringBuilder(hrp.Length + 1 + values.Length + ChecksumLength);
        text.Append(hrp).Append('1');
        foreach (var v in values) text.Append(Charset[v]);
        foreach (var v in checksum) text.Append(Charset[v]);
        return text.ToString();
    }

    /// <summary>
    /// Splits a Bech32 string into its lower-case human-readable part and its bytes; the problem says
    /// why the text is not Bech32, as a phrase ("its checksum does not match").
    /// </summary>
    public static bool TryDecode(string text, out string hrp, out byte[] data, out string problem)
    {
        hrp = "";
        data = [];
        bool lower = false, upper = false;
        foreach (var c in text)
        {
            if (c < 33 || c > 126)
            {
                problem = "it contains a character that is not printable ASCII (a space or a line break?)";
                return false;
            }
            lower |= c is >= 'a' and <= 'z';
            upper |= c is >= 'A' and <= 'Z';
        }
        if (lower && upper)
        {
            problem = "it mixes upper and lower case";
            return false;
        }
        var s = text.ToLowerInvariant();
        var separator = s.LastIndexOf('1');
        if (separator < 1 || s.Length - separator - 1 < ChecksumLength)
        {
            problem = separator < 1 ? "it has no prefix before the separator '1'" : "it is too short to hold a checksum";
            return false;
        }
        var values = new byte[s.Length - separator - 1];
        for (var i = 0; i < values.Length; i++)
        {
            var index = Charset.IndexOf(s[separator + 1 + i], StringComparison.Ordinal);
            if (index < 0)
            {
                problem = $"'{s[separator + 1 + i]}' cannot appear after the separator (Bech32 has no b, i, o or 1 there)";
                return false;
            }
            values[i] = (byte)index;
        }
        var prefix = s[..separator];
        if (Polymod(prefix, values) != 1)
        {
            problem = "its checksum does not match (a character was mistyped, lost or swapped)";
            return false;
        }
        var bytes = ConvertBits(values.AsSpan(0, values.Length - ChecksumLength), 5, 8, pad: false);
        if (bytes is null)
        {
            problem = "its data part has invalid padding";
            return false;
        }
        hrp = prefix;
        data = bytes;
        problem = "";
        return true;
    }

    private static byte[] Checksum(string hrp, ReadOnlySpan<byte> values)
    {
        var padded = new byte[values.Length + ChecksumLength];
        values.CopyTo(padded);
        var mod = Polymod(hrp, padded) ^ 1;
        var checksum = new byte[ChecksumLength];
        for (var i = 0; i < ChecksumLength; i++) checksum[i] = (byte)((mod >> (5 * (5 - i))) & 31);
        return checksum;
    }

    private static uint Polymod(string hrp, ReadOnlySpan<byte> values)
    {
        uint chk = 1;
        void Step(int v)
        {
            var top = chk >> 25;
            chk = ((chk & 0x1ffffff) << 5) ^ (uint)v;
            for (var i = 0; i < 5; i++)
                if (((top >> i) & 1) != 0) chk ^= Generator[i];
        }
        foreach (var c in hrp) Step(c >> 5);
        Step(0);
        foreach (var c in hrp) Step(c & 31);
        foreach (var v in values) Step(v);
        return chk;
    }

    /// <summary>Regroups bits; without padding, leftover bits must be fewer than <paramref name="from"/> and zero.</summary>
    private static byte[]? ConvertBits(ReadOnlySpan<byte> data, int from, int to, bool pad)
    {
        int acc = 0, bits = 0;
        var maxValue = (1 << to) - 1;
        var result = new List<byte>(data.Length * from / to + 1);
        foreach (var value in data)
        {
            acc = (acc << from) | value;
            bits += from;
            while (bits >= to)
            {
                bits -= to;
                result.Add((byte)((acc >> bits) & maxValue));
            }
        }
        if (pad)
        {
            if (bits > 0) result.Add((byte)((acc << (to - bits)) & maxValue));
        }
        else if (bits >= from || ((acc << (to - bits)) & maxValue) != 0)
        {
            return null;
        }
        return [.. result];
    }
}
