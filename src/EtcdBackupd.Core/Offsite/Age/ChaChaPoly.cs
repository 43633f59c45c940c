using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using BouncyChaCha20Poly1305 = Org.BouncyCastle.Crypto.Modes.ChaCha20Poly1305;

namespace EtcdBackupd.Offsite.Age;

/// <summary>Which ChaCha20-Poly1305 does the sealing.</summary>
internal enum ChaChaPolyProvider
{
    /// <summary>The system's (OpenSSL through .NET) when it has one, else BouncyCastle's.</summary>
    Automatic,
    /// <summary>BouncyCastle's managed engine. For testing the fallback on a machine that has both.</summary>
    Managed,
}

/// <summary>
/// ChaCha20-Poly1305 with a 12-byte nonce and no associated data, as age uses it. .NET's is OpenSSL's,
/// which old systems (OpenSSL 1.0.x, such as CentOS 7) lack: there <see cref="ChaCha20Poly1305.IsSupported"/>
/// is false and BouncyCastle's managed engine, already shipped for SSH, does the same work.
/// </summary>
internal abstract class ChaChaPoly : IDisposable
{
    public static ChaChaPoly Create(ReadOnlySpan<byte> key, ChaChaPolyProvider provider) =>
        provider == ChaChaPolyProvider.Automatic && ChaCha20Poly1305.IsSupported
            ? new SystemChaChaPoly(key)
            : new ManagedChaChaPoly(key);

    /// <summary>Writes ciphertext then tag into <paramref name="sealedOutput"/> (plaintext length + 16).</summary>
    public abstract void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> sealedOutput);

    /// <summary>False when the tag does not authenticate; <paramref name="plaintext"/> is then cleared.</summary>
    public abstract bool TryOpen(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> sealedInput, Span<byte> plaintext);

    public abstract void Dispose();

    private sealed class SystemChaChaPoly(ReadOnlySpan<byte> key) : ChaChaPoly
    {
        private readonly ChaCha20Poly1305 _aead = new(key);

        public override void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> sealedOutput) =>
            _aead.Encrypt(nonce, plaintext, sealedOutput[..plaintext.Length], sealedOutput.Slice(plaintext.Length, AgeFormat.TagSize));

        public override bool TryOpen(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> sealedInput, Span<byte> plaintext)
        {
            var length = sealedInput.Length - AgeFormat.TagSize;
            try
            {
                _aead.Decrypt(nonce, sealedInput[..length], sealedInput[length..], plaintext[..length]);
                return true;
            }
            catch (AuthenticationTagMismatchException)
            {
                return false;
            }
        }

        public override void Dispose() => _aead.Dispose();
    }

    private sealed class ManagedChaChaPoly(ReadOnlySpan<byte> key) : ChaChaPoly
    {
        private readonly byte[] _key = key.ToArray();

        public override void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> sealedOutput)
        {
            var engine = Init(forEncryption: true, nonce);
            var written = engine.ProcessBytes(plaintext, sealedOutput);
            engine.DoFinal(sealedOutput[written..]);
        }

        public override bool TryOpen(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> sealedInput, Span<byte> plaintext)
        {
            var engine = Init(forEncryption: false, nonce);
            try
            {
                // The engine writes plaintext before DoFinal checks the tag; the caller releases
                // nothing until this returns true, and a failure wipes what was written.
                var written = engine.ProcessBytes(sealedInput, plaintext);
                engine.DoFinal(plaintext[written..]);
                return true;
            }
            catch (InvalidCipherTextException)
            {
                plaintext.Clear();
                return false;
            }
        }

        private BouncyChaCha20Poly1305 Init(bool forEncryption, ReadOnlySpan<byte> nonce)
        {
            var engine = new BouncyChaCha20Poly1305();
            engine.Init(forEncryption, new AeadParameters(new KeyParameter(_key), AgeFormat.TagSize * 8, nonce.ToArray()));
            return engine;
        }

        public override void Dispose() => Array.Clear(_key);
    }
}
