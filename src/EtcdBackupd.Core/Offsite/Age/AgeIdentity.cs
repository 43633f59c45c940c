using EtcdBackupd.Offsite.Codec;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace EtcdBackupd.Offsite.Age;

/// <summary>An X25519 age identity, <c>AGE-SECRET-KEY-1…</c>: the secret key that opens a copy.</summary>
/// <remarks>Nothing here ever puts the secret key into a message.</remarks>
internal sealed class AgeIdentity
{
    public const string Hrp = "age-secret-key-";

    private readonly byte[] _secretKey;

    private AgeIdentity(byte[] secretKey)
    {
        _secretKey = secretKey;
        var publicKey = new byte[X25519.PointSize];
        X25519.GeneratePublicKey(secretKey, 0, publicKey, 0);
        Recipient = new AgeRecipient(publicKey);
    }

    /// <summary>The recipient this identity opens (what <c>age-keygen -y</c> prints).</summary>
    public AgeRecipient Recipient { get; }

    internal ReadOnlySpan<byte> SecretKey => _secretKey;

    /// <summary>A new random identity (what <c>age-keygen</c> makes).</summary>
    public static AgeIdentity Generate()
    {
        var key = new byte[X25519.ScalarSize];
        System.Security.Cryptography.RandomNumberGenerator.Fill(key);
        return new AgeIdentity(key);
    }

    /// <summary>The identity as age writes it: upper-case <c>AGE-SECRET-KEY-1…</c>.</summary>
    public string Encode() => Bech32.Encode(Hrp, _secretKey).ToUpperInvariant();

    /// <summary>The identities in an age identity file, which must be 0600 or 0400.</summary>
    public static IReadOnlyList<AgeIdentity> ReadFile(string path) => AgeIdentityFile.Read(path);

    public static AgeIdentity Parse(string text) =>
        TryParse(text, out var identity, out var problem)
            ? identity
            : throw new OffsiteCodecException(OffsiteCodecFailure.KeyInvalid, problem);

    /// <summary>Parses <c>AGE-SECRET-KEY-1…</c>; the problem is a sentence that never contains the secret.</summary>
    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AgeIdentity? identity, out string problem)
    {
        identity = null;
        text = text.Trim();
        if (text.StartsWith("age1", StringComparison.Ordinal))
        {
            problem = "An age recipient (public key, age1…) was given where an identity belongs; give the AGE-SECRET-KEY-1… line that age-keygen wrote.";
            return false;
        }
        if (!Bech32.TryDecode(text, out var hrp, out var key, out var bech32Problem))
        {
            problem = $"The age identity is not valid: {bech32Problem}.";
            return false;
        }
        if (hrp != Hrp)
        {
            problem = hrp.StartsWith(Hrp, StringComparison.Ordinal)
                ? $"The age identity is of another type ({hrp.ToUpperInvariant()}1…); only X25519 identities (AGE-SECRET-KEY-1…) are supported."
                : "The age identity does not start with AGE-SECRET-KEY-1.";
            return false;
        }
        if (key.Length != X25519.ScalarSize)
        {
            problem = $"The age identity holds {key.Length} bytes; an X25519 identity holds {X25519.ScalarSize}.";
            return false;
        }
        identity = new AgeIdentity(key);
        problem = "";
        return true;
    }
}
