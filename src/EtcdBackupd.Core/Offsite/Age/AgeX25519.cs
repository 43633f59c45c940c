using EtcdBackupd.Offsite.Codec;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace EtcdBackupd.Offsite.Age;

/// <summary>
/// The X25519 recipient type: an ephemeral key agreement per file, HKDF over both public keys, and
/// the file key sealed under the result with a zero nonce (each wrap key is used once).
/// </summary>
internal static class AgeX25519
{
    public const string StanzaType = "X25519";
    private const string Label = "age-encryption.org/v1/X25519";

    public static AgeStanza Wrap(AgeRecipient recipient, ReadOnlySpan<byte> fileKey, ChaChaPolyProvider provider)
    {
        var ephemeral = new byte[X25519.ScalarSize];
        System.Security.Cryptography.RandomNumberGenerator.Fill(ephemeral);
        var share = new byte[X25519.PointSize];
        X25519.GeneratePublicKey(ephemeral, 0, share, 0);
        var shared = new byte[X25519.PointSize];
        if (!X25519.CalculateAgreement(ephemeral, 0, recipient.KeyBytes.ToArray(), 0, shared, 0))
        {
            throw new OffsiteCodecException(OffsiteCodecFailure.KeyInvalid,
                $"The age recipient {recipient.PublicKey} is a degenerate X25519 key that no one holds the secret for; use a key from age-keygen.");
        }
        Array.Clear(ephemeral);
        var body = new byte[AgeFormat.FileKeyLength + AgeFormat.TagSize];
        using (var aead = ChaChaPoly.Create(WrapKey(shared, share, recipient.KeyBytes), provider))
            aead.Seal(stackalloc byte[12], fileKey, body);
        return new AgeStanza([StanzaType, AgeFormat.EncodeBase64(share)], body);
    }

    /// <summary>Opens an X25519 stanza; a malformed one is a header failure, not a miss.</summary>
    public static UnwrapResult Unwrap(AgeIdentity identity, AgeStanza stanza, Span<byte> fileKey, ChaChaPolyProvider provider)
    {
        if (stanza.Type != StanzaType)
            return UnwrapResult.NotThisIdentity;
        if (stanza.Arguments.Count != 2)
            throw AgeHeaderReader.Invalid("an X25519 stanza has the wrong number of arguments");
        if (!AgeFormat.TryDecodeBase64(stanza.Arguments[1], out var share) || share.Length != X25519.PointSize)
            throw AgeHeaderReader.Invalid("an X25519 stanza's ephemeral share is not 32 bytes of canonical base64");
        if (stanza.Body.Length != AgeFormat.FileKeyLength + AgeFormat.TagSize)
            throw AgeHeaderReader.Invalid("an X25519 stanza's body is not a 16-byte file key and its tag");
        var shared = new byte[X25519.PointSize];
        if (!X25519.CalculateAgreement(identity.SecretKey.ToArray(), 0, share, 0, shared, 0))
            throw AgeHeaderReader.Invalid("an X25519 stanza's share is a low-order point");
        using var aead = ChaChaPoly.Create(WrapKey(shared, share, identity.Recipient.KeyBytes), provider);
        return aead.TryOpen(stackalloc byte[12], stanza.Body, fileKey) ? UnwrapResult.Unwrapped : UnwrapResult.NotThisIdentity;
    }

    private static byte[] WrapKey(byte[] shared, ReadOnlySpan<byte> share, ReadOnlySpan<byte> recipient)
    {
        Span<byte> salt = stackalloc byte[2 * X25519.PointSize];
        share.CopyTo(salt);
        recipient.CopyTo(salt[X25519.PointSize..]);
        var key = AgeFormat.Derive(shared, salt, Label);
        Array.Clear(shared);
        return key;
    }
}
