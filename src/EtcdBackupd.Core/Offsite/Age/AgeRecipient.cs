using EtcdBackupd.Offsite.Codec;

namespace EtcdBackupd.Offsite.Age;

/// <summary>An X25519 age recipient, <c>age1…</c>: the public key a copy is encrypted to.</summary>
internal sealed class AgeRecipient : IEquatable<AgeRecipient>
{
    public const string Hrp = "age";
    public const int KeyLength = 32;

    private readonly byte[] _publicKey;

    internal AgeRecipient(ReadOnlySpan<byte> publicKey)
    {
        _publicKey = publicKey.ToArray();
        PublicKey = Bech32.Encode(Hrp, _publicKey);
    }

    /// <summary>The recipient as age writes it (<c>age1…</c>, lower case): what the manifest records.</summary>
    public string PublicKey { get; }

    internal ReadOnlySpan<byte> KeyBytes => _publicKey;

    public static AgeRecipient Parse(string text) =>
        TryParse(text, out var recipient, out var problem)
            ? recipient
            : throw new OffsiteCodecException(OffsiteCodecFailure.KeyInvalid, problem);

    /// <summary>Parses <c>age1…</c>; the problem is a sentence naming the value and what is wrong with it.</summary>
    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AgeRecipient? recipient, out string problem)
    {
        recipient = null;
        text = text.Trim();
        if (text.Length == 0)
        {
            problem = "The age recipient is empty; a recipient looks like age1… (age-keygen prints it as 'Public key').";
            return false;
        }
        if (text.StartsWith(AgeIdentity.Hrp, StringComparison.OrdinalIgnoreCase))
        {
            // Never echo a secret key back into a log or an error.
            problem = "An age secret key (AGE-SECRET-KEY-1…) was given where a recipient belongs; give its public key (age1…, which age-keygen -y prints) and keep the secret key off this machine.";
            return false;
        }
        if (text.StartsWith("ssh-", StringComparison.Ordinal))
        {
            problem = $"'{Shorten(text)}' is an SSH key; only X25519 age recipients (age1…) are supported for off-site copies.";
            return false;
        }
        if (!Bech32.TryDecode(text, out var hrp, out var key, out var bech32Problem))
        {
            problem = $"'{Shorten(text)}' is not a valid age recipient: {bech32Problem}.";
            return false;
        }
        if (hrp != Hrp)
        {
            problem = hrp.StartsWith(Hrp, StringComparison.Ordinal)
                ? $"'{Shorten(text)}' is an age recipient of another type ('{hrp}1…'); only X25519 recipients (age1…) are supported."
                : $"'{Shorten(text)}' starts with '{hrp}1', not 'age1': it is not an age X25519 recipient.";
            return false;
        }
        if (key.Length != KeyLength)
        {
            problem = $"'{Shorten(text)}' holds {key.Length} bytes; an age X25519 recipient holds {KeyLength}.";
            return false;
        }
        // A low-order point (all zeros, say): every agreement with it is zero, so no one could ever open what is
        // sent to it. Refused here, at start, rather than failing every upload later.
        var probe = new byte[Org.BouncyCastle.Math.EC.Rfc7748.X25519.ScalarSize];
        System.Security.Cryptography.RandomNumberGenerator.Fill(probe);
        if (!Org.BouncyCastle.Math.EC.Rfc7748.X25519.CalculateAgreement(probe, 0, key, 0, new byte[Org.BouncyCastle.Math.EC.Rfc7748.X25519.PointSize], 0))
        {
            problem = $"'{Shorten(text)}' is a degenerate X25519 key that no one holds the secret for; use a key from age-keygen.";
            return false;
        }

        recipient = new AgeRecipient(key);
        problem = "";
        return true;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";

    public bool Equals(AgeRecipient? other) => other is not null && PublicKey == other.PublicKey;

    public override bool Equals(object? obj) => Equals(obj as AgeRecipient);

    public override int GetHashCode() => PublicKey.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => PublicKey;
}
