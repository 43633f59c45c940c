using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using EtcdBackupd.Offsite.Age;
using EtcdBackupd.Offsite.Codec;

namespace EtcdBackupd.Tests.Offsite;

/// <summary>
/// The age format's published test vectors (TestKit/ORIGIN.md), each decrypted with both
/// ChaCha20-Poly1305 implementations: the outcome must be the one the vector expects, and the
/// plaintext released before any failure must hash to the vector's payload hash.
/// </summary>
[Category("Fast")]
internal sealed class AgeTestKitTests
{
    private static readonly string Directory = Path.Combine(TestContext.CurrentContext.TestDirectory, "Offsite", "TestKit");

    /// <summary>The vector families off-site copies never use: ASCII armor, passphrases (scrypt), ML-KEM hybrid keys.</summary>
    private static readonly string[] SkippedFamilies = ["armor_", "scrypt", "hybrid"];

    /// <summary>Every vector file's name, skipped families included.</summary>
    private static IEnumerable<string> AllNames() =>
        from path in System.IO.Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Offsite", "TestKit")).Order(StringComparer.Ordinal)
        let name = Path.GetFileName(path)
        where !name.EndsWith(".md", StringComparison.Ordinal) && !name.StartsWith('.')
        select name;

    /// <summary>The vectors that run: the skipped families are left out here (not run and ignored), and listed by the test below.</summary>
    public static IEnumerable<TestCaseData> Vectors() =>
        from name in AllNames()
        where !SkippedFamilies.Any(f => name.StartsWith(f, StringComparison.Ordinal))
        from provider in new[] { ChaChaPolyProvider.Automatic, ChaChaPolyProvider.Managed }
        select new TestCaseData(name, provider).SetName($"Decrypt_TestKitVector_GivesTheExpectedOutcome({name},{provider})");

    [TestCaseSource(nameof(Vectors))]
    public void Decrypt_TestKitVector_GivesTheExpectedOutcome(string name, ChaChaPolyProvider provider)
    {
        var vector = TestVector.Read(Path.Combine(Directory, name));
        Assert.That(SkippedReason(vector), Is.Null, "a vector of a family off-site copies do not use, outside SkippedFamilies");

        var identities = vector.Identities.Select(AgeIdentity.Parse).ToList();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var outcome = "success";
        try
        {
            // The age layer itself: a vector with no identity (empty) is still an age file to refuse.
            using var plaintext = new AgeDecryptingStream(new MemoryStream(vector.File), identities, provider);
            var buffer = new byte[8192];
            int read;
            while ((read = plaintext.Read(buffer)) > 0)
                sha.AppendData(buffer, 0, read);
        }
        catch (OffsiteCodecException e)
        {
            outcome = e.Failure switch
            {
                OffsiteCodecFailure.HeaderInvalid => "header failure",
                OffsiteCodecFailure.NoMatchingIdentity => "no match",
                OffsiteCodecFailure.HeaderTampered => "HMAC failure",
                OffsiteCodecFailure.PayloadTampered or OffsiteCodecFailure.Truncated or OffsiteCodecFailure.TrailingData => "payload failure",
                _ => e.Failure.ToString(),
            };
            TestContext.Out.WriteLine(e.Message);
        }

        Assert.That(outcome, Is.EqualTo(vector.Expect), vector.Comment);
        if (vector.Expect is "success" or "payload failure")
            Assert.That(Convert.ToHexStringLower(sha.GetHashAndReset()), Is.EqualTo(vector.Payload));
    }

    [Test]
    public void TestKit_SkipsOnlyTheFamiliesOffsiteCopiesDoNotUse()
    {
        var all = AllNames().ToList();
        var skipped = all.Where(n => SkippedReason(TestVector.Read(Path.Combine(Directory, n))) is not null).ToList();

        Assert.That(all, Has.Count.GreaterThan(100), "the vectors are copied to the test output");
        Assert.That(skipped, Is.EquivalentTo(all.Where(n => SkippedFamilies.Any(f => n.StartsWith(f, StringComparison.Ordinal)))));
        Assert.That(all.Count(n => n.StartsWith("x25519", StringComparison.Ordinal) || n.StartsWith("stream_", StringComparison.Ordinal)),
            Is.GreaterThan(40), "every X25519 and STREAM vector runs");
        TestContext.Out.WriteLine($"skipped {skipped.Count} of {all.Count}: {string.Join(' ', skipped)}");
    }

    private static string? SkippedReason(TestVector vector) =>
        vector.Armored ? "ASCII armor: off-site copies are binary objects"
        : vector.Passphrases > 0 ? "scrypt (passphrase) recipients are not supported"
        : vector.Identities.Any(i => i.StartsWith("AGE-SECRET-KEY-PQ-", StringComparison.Ordinal)) ? "ML-KEM hybrid recipients are not supported"
        : null;

    private sealed record TestVector(string Expect, string? Payload, List<string> Identities, int Passphrases, bool Armored, string Comment, byte[] File)
    {
        public static TestVector Read(string path)
        {
            var bytes = System.IO.File.ReadAllBytes(path);
            var split = bytes.AsSpan().IndexOf("\n\n"u8);
            var fields = Encoding.ASCII.GetString(bytes, 0, split).Split('\n')
                .Select(l => l.Split(": ", 2)).Select(kv => (Key: kv[0], Value: kv[1])).ToList();
            string? Field(string key) => fields.Where(f => f.Key == key).Select(f => f.Value).FirstOrDefault();
            var file = bytes[(split + 2)..];
            if (Field("compressed") == "zlib")
            {
                using var output = new MemoryStream();
                using (var zlib = new ZLibStream(new MemoryStream(file), CompressionMode.Decompress))
                    zlib.CopyTo(output);
                file = output.ToArray();
            }
            return new TestVector(Field("expect")!, Field("payload"),
                [.. fields.Where(f => f.Key == "identity").Select(f => f.Value)],
                fields.Count(f => f.Key == "passphrase"), Field("armored") == "yes", Field("comment") ?? "", file);
        }
    }
}
