using System.Security.Cryptography;
using System.Text;

namespace EtcdBackupd.Offsite.Age;

/// <summary>Writes the age v1 header for a file key: the version line, one stanza per recipient, the MAC.</summary>
internal static class AgeHeaderWriter
{
    public static byte[] Write(IReadOnlyList<AgeStanza> stanzas, ReadOnlySpan<byte> fileKey)
    {
        var text = new StringBuilder();
        text.Append(AgeFormat.VersionLine).Append('\n');
        foreach (var stanza in stanzas)
        {
            text.Append("-> ").AppendJoin(' ', stanza.Arguments).Append('\n');
            var body = AgeFormat.EncodeBase64(stanza.Body);
            // Full 64-column lines, then a shorter final line, which is empty when the body fills the last one.
            for (var i = 0; ; i += AgeFormat.BodyColumns)
            {
                var length = Math.Min(AgeFormat.BodyColumns, body.Length - i);
                text.Append(body, i, length).Append('\n');
                if (length < AgeFormat.BodyColumns)
                    break;
            }
        }
        text.Append("---");
        var macInput = Encoding.ASCII.GetBytes(text.ToString());
        var mac = HMACSHA256.HashData(AgeFormat.HeaderMacKey(fileKey), macInput);
        text.Append(' ').Append(AgeFormat.EncodeBase64(mac)).Append('\n');
        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
