using EtcdBackupd.Offsite.Age;
using EtcdBackupd.Offsite.Codec;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Offsite;

/// <summary>The identity file holds secret keys: it is read only when its owner alone can read it.</summary>
[Category("Fast")]
internal sealed class AgeIdentityFileTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory("age-identity");

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string Write(string content, UnixFileMode mode)
    {
        var path = _dir.Combine("offsite.key");
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [TestCase(Mode0600)]
    [TestCase(UnixFileMode.UserRead)]
    public void ReadFile_OwnerOnlyAgeKeygenFile_ReadsEveryIdentity(UnixFileMode mode)
    {
        var first = AgeIdentity.Generate();
        var second = AgeIdentity.Generate();
        var path = Write($"# created: 2026-11-26T09:00:00Z\n# public key: {first.Recipient}\n{first.Encode()}\n\n  {second.Encode()}  \n", mode);

        var identities = AgeIdentity.ReadFile(path);

        Assert.That(identities.Select(i => i.Recipient), Is.EqualTo(new[] { first.Recipient, second.Recipient }));
    }

    [TestCase(0b110_100_100, "0644")]
    [TestCase(0b110_110_000, "0660")]
    [TestCase(0b110_000_100, "0604")]
    public void ReadFile_ReadableByOthers_RefusesNamingTheFileAndTheMode(int mode, string octal)
    {
        var path = Write(AgeIdentity.Generate().Encode() + "\n", (UnixFileMode)mode);

        var e = Assert.Throws<OffsiteCodecException>(() => AgeIdentity.ReadFile(path));

        Assert.That(e!.Failure, Is.EqualTo(OffsiteCodecFailure.KeyInvalid));
        Assert.That(e.Message, Does.Contain(path).And.Contain($"mode {octal}").And.Contain("chmod 600"));
    }

    [Test]
    public void ReadFile_MalformedLine_NamesTheLineButNotTheSecret()
    {
        var good = AgeIdentity.Generate().Encode();
        var damaged = good[..^1] + (good[^1] == 'Q' ? 'P' : 'Q');
        var path = Write($"# key\n{good}\n{damaged}\n", Mode0600);

        var e = Assert.Throws<OffsiteCodecException>(() => AgeIdentity.ReadFile(path));

        Assert.That(e!.Message, Does.Contain($"{path}, line 3").And.Contain("checksum"));
        Assert.That(e.Message, Does.Not.Contain(good[20..40]));
    }

    [Test]
    public void ReadFile_OnlyComments_SaysItHoldsNoIdentity()
    {
        var path = Write("# nothing here\n\n", Mode0600);

        var e = Assert.Throws<OffsiteCodecException>(() => AgeIdentity.ReadFile(path));

        Assert.That(e!.Message, Does.Contain("holds no identity"));
    }

    [Test]
    public void ReadFile_Missing_SaysItDoesNotExist()
    {
        var path = _dir.Combine("absent.key");

        var e = Assert.Throws<OffsiteCodecException>(() => AgeIdentity.ReadFile(path));

        Assert.That(e!.Message, Does.Contain(path).And.Contain("does not exist"));
    }
}
