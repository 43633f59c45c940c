using System.Security.Cryptography;
using System.Text;

namespace EtcdBackupd.Peers;

/// <summary>
/// OpenSSH's known_hosts, read-only except for an operator-allowed first use: plain entries
/// (<c>host,[host]:port type key</c>, with <c>*</c>/<c>?</c> patterns) and hashed ones
/// (<c>|1|salt|HMAC-SHA1(salt, name)</c>); <c>@revoked</c> keys are refused, <c>@cert-authority</c> lines ignored.
/// </summary>
internal sealed class KnownHosts(string path)
{
    public enum Verdict
    {
        Known,
        Unknown,
        Changed,
        Revoked,
    }

    public string Path { get; } = path;

    public Verdict Check(string knownHostsName, string keyType, byte[] key)
    {
        var sawName = false;
        // Read to the end before accepting: as in OpenSSH, an @revoked line wins wherever it stands.
        var pinned = false;
        foreach (var line in File.Exists(Path) ? File.ReadLines(Path) : [])
        {
            var fields = line.Trim().Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 3 || fields[0].StartsWith('#'))
            {
                continue;
            }

            var marker = fields[0].StartsWith('@') ? fields[0] : null;
            var (names, type, encoded) = marker is null ? (fields[0], fields[1], fields[2]) : fields.Length >= 4 ? (fields[1], fields[2], fields[3]) : ("", "", "");
            if (marker == "@cert-authority" || !NamesMatch(names, knownHostsName))
            {
                continue;
            }

            var sameKey = type == keyType && TryDecode(encoded) is { } stored && CryptographicOperations.FixedTimeEquals(stored, key);
            if (marker == "@revoked")
            {
                if (sameKey)
                {
                    return Verdict.Revoked;
                }

                continue;
            }

            if (sameKey)
            {
                pinned = true;
            }

            sawName = true;
        }

        return pinned ? Verdict.Known : sawName ? Verdict.Changed : Verdict.Unknown;
    }

    /// <summary>Appends a key as OpenSSH would write it (trust on first use, when an operator allowed it).</summary>
    public void Append(string knownHostsName, string keyType, byte[] key)
    {
        var line = $"{knownHostsName} {keyType} {Convert.ToBase64String(key)}\n";
        var needsNewline = File.Exists(Path) && new FileInfo(Path).Length > 0 && !File.ReadAllText(Path).EndsWith('\n');
        File.AppendAllText(Path, (needsNewline ? "\n" : "") + line);
    }

    /// <summary>The line an operator would add after checking the key out of band.</summary>
    public static string Line(string knownHostsName, string keyType, byte[] key) => $"{knownHostsName} {keyType} {Convert.ToBase64String(key)}";

    /// <summary>OpenSSH's fingerprint: <c>SHA256:</c> and the unpadded base64 of the key's hash.</summary>
    public static string Fingerprint(byte[] key) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(key)).TrimEnd('=');

    private static bool NamesMatch(string names, string name)
    {
        if (names.StartsWith("|1|", StringComparison.Ordinal))
        {
            var parts = names.Split('|');
            if (parts.Length != 4 || TryDecode(parts[2]) is not { } salt || TryDecode(parts[3]) is not { } hash)
            {
                return false;
            }

#pragma warning disable CA5350 // OpenSSH's hashed known_hosts format is defined as HMAC-SHA1; we only read it.
            return CryptographicOperations.FixedTimeEquals(HMACSHA1.HashData(salt, Encoding.ASCII.GetBytes(name)), hash);
#pragma warning restore CA5350
        }

        var matched = false;
        foreach (var pattern in names.Split(','))
        {
            if (pattern.StartsWith('!'))
            {
                if (Glob(pattern[1..], name))
                {
                    return false;
                }
            }
            else if (Glob(pattern, name))
            {
                matched = true;
            }
        }

        return matched;
    }

    private static bool Glob(string pattern, string text) =>
        System.Text.RegularExpressions.Regex.IsMatch(text,
            "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + @"\z",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static byte[]? TryDecode(string base64)
    {
        try
        {
            return Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
