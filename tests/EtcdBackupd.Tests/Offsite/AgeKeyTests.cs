using EtcdBackupd.Offsite.Age;
using EtcdBackupd.Offsite.Codec;

namespace EtcdBackupd.Tests.Offsite;

/// <summary>Recipients and identities: what an operator can get wrong is refused with a sentence that says what.</summary>
[Category("Fast")]
internal sealed class AgeKeyTests
{
    private const string TestKitIdentity = "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0";
    private const string TestKitRecipient = "age1xmwwc06ly3ee5rytxm9mflaz2u56jjj36s0mypdrwsvlul66mv4q47ryef";

    [Test]
    public void ParseRecipient_ALowOrderPoint_IsRefusedAtStartAsDegenerate()
    {
        Assert.That(AgeRecipient.TryParse(Bech32.Encode("age", new byte[32]), out _, out var problem), Is.False);
        Assert.That(problem, Does.Contain("degenerate X25519 key"));
    }

    [Test]
    public void ParseRecipient_AgeKeygenPublicKey_KeepsItForTheManifest()
    {
        var recipient = AgeRecipient.Parse("  " + TestKitRecipient + "\n");

        Assert.That(recipient.PublicKey, Is.EqualTo(TestKitRecipient));
        var settings = new CodecSettings(OffsiteCompression.Zstd, 3, [recipient]);
        Assert.That(settings.RecipientKeys, Is.EqualTo(new[] { TestKitRecipient }));
    }

    [Test]
    public void ParseRecipient_UpperCase_IsTheSameRecipient() =>
        Assert.That(AgeRecipient.Parse(TestKitRecipient.ToUpperInvariant()), Is.EqualTo(AgeRecipient.Parse(TestKitRecipient)));

    [TestCase("", "is empty")]
    [TestCase("age1xmwwc06ly3ee5rytxm9mflaz2u56jjj36s0mypdrwsvlul66mv4q47ryeg", "checksum does not match")]
    [TestCase("age1xmwwc06ly3ee5rytxm9mflaz2u56jjj36s0mypdrwsvlul66mv4q47ryEf", "mixes upper and lower case")]
    [TestCase("age1xmwwc06ly3ee5rytxm9mflaz2u56jjj36s0mypdrwsvlul66mv4q47ry", "checksum does not match")]
    [TestCase("age1 xmwwc06ly3ee5rytxm9mflaz2u56jjj36s0mypdrwsvlul66mv4q47ryef", "not printable ASCII")]
    [TestCase("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN", "SSH key")]
    public void ParseRecipient_Malformed_SaysWhatIsWrong(string text, string why)
    {
        Assert.That(AgeRecipient.TryParse(text, out var recipient, out var problem), Is.False);
        Assert.That(recipient, Is.Null);
        Assert.That(problem, Does.Contain(why));
        var e = Assert.Throws<OffsiteCodecException>(() => AgeRecipient.Parse(text));
        Assert.That(e!.Failure, Is.EqualTo(OffsiteCodecFailure.KeyInvalid));
    }

    [Test]
    public void ParseRecipient_WrongPrefix_NamesThePrefix()
    {
        var text = Bech32.Encode("agx", new byte[32]);

        Assert.That(AgeRecipient.TryParse(text, out _, out var problem), Is.False);
        Assert.That(problem, Does.Contain("starts with 'agx1', not 'age1'"));
    }

    [Test]
    public void ParseRecipient_PostQuantumRecipient_SaysOnlyX25519IsSupported()
    {
        Assert.That(AgeRecipient.TryParse(Bech32.Encode("age1pq", new byte[64]), out _, out var problem), Is.False);
        Assert.That(problem, Does.Contain("only X25519 recipients"));
    }

    [TestCase(31)]
    [TestCase(33)]
    public void ParseRecipient_WrongLength_SaysHowManyBytes(int length)
    {
        Assert.That(AgeRecipient.TryParse(Bech32.Encode("age", new byte[length]), out _, out var problem), Is.False);
        Assert.That(problem, Does.Contain($"holds {length} bytes; an age X25519 recipient holds 32"));
    }

    [Test]
    public void ParseRecipient_ASecretKey_RefusesWithoutEchoingIt()
    {
        Assert.That(AgeRecipient.TryParse(TestKitIdentity, out _, out var problem), Is.False);
        Assert.That(problem, Does.Contain("secret key"));
        Assert.That(problem, Does.Not.Contain("EGTZVFFV"));
    }

    [Test]
    public void ParseIdentity_BadChecksum_RefusesWithoutEchoingIt()
    {
        var text = TestKitIdentity[..^1] + "1";

        Assert.That(AgeIdentity.TryParse(text, out _, out var problem), Is.False);
        Assert.That(problem, Does.Contain("checksum"));
        Assert.That(problem, Does.Not.Contain("EGTZVFFV"));
    }

    [Test]
    public void ParseIdentity_ARecipient_SaysAnIdentityBelongsThere()
    {
        Assert.That(AgeIdentity.TryParse(TestKitRecipient, out _, out var problem), Is.False);
        Assert.That(problem, Does.Contain("AGE-SECRET-KEY-1"));
    }

    [Test]
    public void Generate_NewIdentity_EncodesAndParsesBack()
    {
        var identity = AgeIdentity.Generate();

        var again = AgeIdentity.Parse(identity.Encode());

        Assert.That(identity.Encode(), Does.StartWith("AGE-SECRET-KEY-1"));
        Assert.That(again.Recipient, Is.EqualTo(identity.Recipient));
    }
}
