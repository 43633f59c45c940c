using System.Security.Cryptography;
using System.Text;

namespace EtcdBackupd.Offsite.Age;

/// <summary>The constants and key derivations of the age v1 format (age-encryption.org/v1).</summary>
internal static class AgeFormat
{
    public const string VersionLine = "age-encryption.org/v1";
    public const int FileKeyLength = 16;
    public const int PayloadNonceLength = 16;
    public const int MacLength = 32;
    /// <summary>The format's fixed STREAM chunk: 64 KiB of plaintext, each sealed with a 16-byte tag.</summary>
    public const int ChunkSize = 64 * 1024;
    public const int TagSize = 16;
    public const int EncryptedChunkSize = ChunkSize + TagSize;
    /// <summary>Stanza bodies are wrapped at 64 columns of base64.</summary>
    public const int BodyColumns = 64;

    public static byte[] HeaderMacKey(ReadOnlySpan<byte> fileKey) =>
        Derive(fileKey, [], "header");

    public static byte[] PayloadKey(ReadOnlySpan<byte> fileKey, ReadOnlySpan<byte> nonce) =>
        Derive(fileKey, nonce, "payload");

    public static byte[] Derive(ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> salt, string info)
    {
        var key = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, key, salt, Encoding.ASCII.GetBytes(info));
        return key;
    }

    /// <summary>The STREAM nonce: an 11-byte big-endian chunk counter, then 1 for the final chunk.</summary>
    public static void ChunkNonce(Span<byte> nonce, ulong counter, bool last)
    {
        nonce.Clear();
        for (var i = 10; i >= 3 && counter != 0; i--, counter >>= 8)
            nonce[i] = (byte)counter;
        nonce[11] = last ? (byte)1 : (byte)0;
    }

    /// <summary>Base64 without padding, as the header uses it.</summary>
    public static string EncodeBase64(ReadOnlySpan<byte> data) => Convert.ToBase64String(data).TrimEnd('=');

    /// <summary>
    /// Strict unpadded base64: the standard alphabet, no '=', and canonical (unused trailing bits zero),
    /// so that one header has one encoding and the MAC covers exactly what was parsed.
    /// </summary>
    public static bool TryDecodeBase64(string text, out byte[] data)
    {
        data = [];
        if (text.Length % 4 == 1)
            return false;
        foreach (var c in text)
        {
            if (!(c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '+' or '/'))
                return false;
        }
        var padded = text + new string('=', (4 - text.Length % 4) % 4);
        var buffer = new byte[text.Length * 3 / 4 + 3];
        if (!Convert.TryFromBase64String(padded, buffer, out var written))
            return false;
        data = buffer[..written];
        return EncodeBase64(data) == text;
    }
}
