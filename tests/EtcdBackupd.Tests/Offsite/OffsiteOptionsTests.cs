using EtcdBackupd.Configuration;
using EtcdBackupd.Offsite;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Offsite;

[Category("Fast")]
internal sealed class OffsiteOptionsTests
{
    [Test]
    public void Read_CredentialsFileReadableByOthers_IsRefusedNamingTheKey()
    {
        using var dir = new TempDirectory("offsite-options");
        var credentials = ObjectStore.CredentialsFile(dir, "credentials", mode: (UnixFileMode)0b110_100_100);

        var reader = Read(dir, $$"""{ "Offsite": { "Targets": [ {{Target("a", credentials)}} ] } }""");
        OffsiteOptions.Read(reader);

        Assert.That(reader.Problems, Is.EqualTo(new[]
        {
            $"Offsite.Targets[0].CredentialsFile: the credentials file '{credentials}' has mode 0644; it must be 0600 or 0400 (chmod 600 '{credentials}')",
        }));
    }

    [Test]
    public void Read_PrefixMissingAndNameTwice_AreEachReportedByKey()
    {
        using var dir = new TempDirectory("offsite-options");
        var credentials = ObjectStore.CredentialsFile(dir, "credentials");
        var noPrefix = Target("a", credentials).Replace("\"Prefix\": \"c/\",", "");

        var reader = Read(dir, $$"""{ "Offsite": { "Targets": [ {{noPrefix}}, {{Target("A", credentials)}} ], "Retention": "forever" } }""");
        OffsiteOptions.Read(reader);

        Assert.That(reader.Problems, Has.Some.StartsWith("Offsite.Targets[0].Prefix: is required and not empty"));
        Assert.That(reader.Problems, Has.Some.StartsWith("Offsite.Targets[1].Name: 'A' names another target too"));
        Assert.That(reader.Problems, Has.Some.StartsWith("Offsite.Retention: 'forever' must be daemon"));
    }

    [Test]
    public void Read_FullTarget_KeepsEveryField()
    {
        using var dir = new TempDirectory("offsite-options");
        var credentials = ObjectStore.CredentialsFile(dir, "credentials", mode: UnixFileMode.UserRead);

        var reader = Read(dir, $$"""{ "Offsite": { "Targets": [ {{Target("a", credentials)}} ], "Retention": "bucket", "RetentionDays": 90 } }""");
        var options = OffsiteOptions.Read(reader);

        Assert.That(reader.Problems, Is.Empty);
        Assert.That(options.Targets[0], Is.EqualTo(new OffsiteTarget
        {
            Name = "a", Endpoint = new Uri("http://127.0.0.1:9000"), Bucket = "b", Prefix = "c/", CredentialsFile = credentials, PathStyle = true,
        }));
        Assert.That((options.Retention, options.RetentionDays), Is.EqualTo((OffsiteRetention.Bucket, (int?)90)));
    }

    [Test]
    public void Read_ABadRecipientAndALevelAboveNine_AreEachReportedByKey_AndGoodOnesReachTheCodec()
    {
        using var dir = new TempDirectory("offsite-options");
        var credentials = ObjectStore.CredentialsFile(dir, "credentials");
        // The age format's own example recipient (age-encryption.org/v1 spec).
        const string good = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

        var reader = Read(dir, $$"""{ "Offsite": { "Targets": [ {{Target("a", credentials)}} ], "AgeRecipients": [ "{{good}}", "age1notakey" ], "CompressionLevel": 19 } }""");
        var options = OffsiteOptions.Read(reader);

        Assert.That(reader.Problems, Has.Some.StartsWith("Offsite.AgeRecipients[1]: "));
        Assert.That(reader.Problems, Has.Some.StartsWith("Offsite.CompressionLevel: "));
        Assert.That(reader.Problems, Has.None.StartsWith("Offsite.AgeRecipients[0]"));
        Assert.That(options.Codec.RecipientKeys, Is.EqualTo(new[] { good }));
    }

    [TestCase(0b110_100_000, "has mode 0640")]
    [TestCase(0b110_000_000, null)]
    [TestCase(0b100_000_000, null)]
    public void Read_AgeIdentityFile_IsReadAtStartAndRefusedByKeyUnlessOnlyItsOwnerMayReadIt(int mode, string? problem)
    {
        using var dir = new TempDirectory("offsite-options");
        var credentials = ObjectStore.CredentialsFile(dir, "credentials");
        var identity = dir.Combine("age-identity");
        File.WriteAllText(identity, "# a comment\nAGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0\n");
        File.SetUnixFileMode(identity, (UnixFileMode)mode);

        var reader = Read(dir, $$"""{ "Offsite": { "Targets": [ {{Target("a", credentials)}} ], "AgeIdentityFile": "{{identity}}" } }""");
        var options = OffsiteOptions.Read(reader);

        Assert.That(reader.Problems, problem is null ? Is.Empty : Has.One.StartsWith("Offsite.AgeIdentityFile: ").And.Contain(problem));
        Assert.That(options.AgeIdentityFile, Is.EqualTo(identity));
    }

    [TestCase("none")]
    [TestCase("no-such-directory/credentials")]
    public void Read_CredentialsFileThatIsNotThere_SaysSoInWordsNamingTheKey(string relative)
    {
        using var dir = new TempDirectory("offsite-options");
        var credentials = dir.Combine(relative);

        var reader = Read(dir, $$"""{ "Offsite": { "Targets": [ {{Target("a", credentials)}} ] } }""");
        OffsiteOptions.Read(reader);

        Assert.That(reader.Problems, Is.EqualTo(new[]
        {
            $"Offsite.Targets[0].CredentialsFile: cannot read the credentials file '{credentials}': it does not exist",
        }));
    }

    [Test]
    public void Read_AgeIdentityFileThatIsNotThere_IsAProblemNamingTheKey()
    {
        using var dir = new TempDirectory("offsite-options");
        var credentials = ObjectStore.CredentialsFile(dir, "credentials");

        var reader = Read(dir, $$"""{ "Offsite": { "Targets": [ {{Target("a", credentials)}} ], "AgeIdentityFile": "{{dir.Combine("none")}}" } }""");
        OffsiteOptions.Read(reader);

        Assert.That(reader.Problems, Is.EqualTo(new[] { $"Offsite.AgeIdentityFile: The age identity file {dir.Combine("none")} does not exist." }));
    }

    private static string Target(string name, string credentials) =>
        $$"""{ "Name": "{{name}}", "Endpoint": "http://127.0.0.1:9000", "Bucket": "b", "Prefix": "c/", "CredentialsFile": "{{credentials}}" }""";

    private static ConfigReader Read(TempDirectory dir, string json)
    {
        var file = dir.Combine("config.json");
        File.WriteAllText(file, json);
        return new ConfigReader(ConfigurationLoader.Load(file));
    }
}
