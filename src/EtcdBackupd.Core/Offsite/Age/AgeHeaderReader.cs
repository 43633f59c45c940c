using System.Text;
using EtcdBackupd.Offsite.Codec;

namespace EtcdBackupd.Offsite.Age;

/// <summary>The parsed header: its stanzas, the bytes its MAC covers, and the MAC.</summary>
internal sealed record AgeHeader(IReadOnlyList<AgeStanza> Stanzas, byte[] MacInput, byte[] Mac);

/// <summary>
/// Parses an age v1 header strictly (exact lines, canonical base64, 64-column bodies), so that a
/// header has one encoding and the MAC is checked over exactly what was parsed.
/// </summary>
internal static class AgeHeaderReader
{
    /// <summary>A real header is a few hundred bytes per recipient; the bound keeps a hostile one from filling memory.</summary>
    private const int MaxHeaderBytes = 1024 * 1024;
    private const int MaxLineBytes = 16 * 1024;

    public static async ValueTask<AgeHeader> ReadAsync(SourceReader source, bool async, CancellationToken cancellationToken)
    {
        var header = new MemoryStream();
        async ValueTask<string> Line()
        {
            var start = header.Length;
            while (true)
            {
                var b = await source.ReadByteAsync(async, cancellationToken);
                if (b < 0)
                    throw header.Length == 0 ? Invalid("it is empty") : Invalid("it ends inside the age header");
                header.WriteByte((byte)b);
                if (b == '\n')
                    break;
                if (header.Length - start > MaxLineBytes || header.Length > MaxHeaderBytes)
                    throw Invalid("its age header is too long to be one written by age");
            }
            return Encoding.Latin1.GetString(header.GetBuffer(), (int)start, (int)(header.Length - start - 1));
        }

        var version = await Line();
        if (version != AgeFormat.VersionLine)
        {
            throw version.StartsWith("age-encryption.org/", StringComparison.Ordinal)
                ? Invalid("it is in an age format version this program does not read")
                : Invalid("it does not start with the age header line (age-encryption.org/v1): it is not an age-encrypted file");
        }
        var stanzas = new List<AgeStanza>();
        while (true)
        {
            var lineStart = (int)header.Length;
            var line = await Line();
            if (line.StartsWith("---", StringComparison.Ordinal))
            {
                if (!line.StartsWith("--- ", StringComparison.Ordinal)
                    || !AgeFormat.TryDecodeBase64(line[4..], out var mac) || mac.Length != AgeFormat.MacLength)
                    throw Invalid("its header MAC line is malformed");
                return new AgeHeader(stanzas, header.GetBuffer().AsSpan(0, lineStart + 3).ToArray(), mac);
            }
            if (!line.StartsWith("-> ", StringComparison.Ordinal))
                throw Invalid("a header line is neither a recipient stanza nor the MAC");
            var arguments = line[3..].Split(' ');
            if (arguments.Any(a => a.Length == 0 || a.Any(c => c < 33 || c > 126)))
                throw Invalid("a recipient stanza has an empty or malformed argument");
            var body = new MemoryStream();
            while (true)
            {
                var bodyLine = await Line();
                if (bodyLine.Length > AgeFormat.BodyColumns || !AgeFormat.TryDecodeBase64(bodyLine, out var bytes))
                    throw Invalid("a recipient stanza's body is not canonical base64 in 64-column lines");
                body.Write(bytes);
                if (bodyLine.Length < AgeFormat.BodyColumns)
                    break;
            }
            stanzas.Add(new AgeStanza(arguments, body.ToArray()));
        }
    }

    public static OffsiteCodecException Invalid(string why) =>
        new(OffsiteCodecFailure.HeaderInvalid, $"The encrypted copy cannot be read: {why}.");
}
