using EtcdBackupd.Offsite.Age;

namespace EtcdBackupd.Tests.Offsite;

/// <summary>Bech32 against the BIP 173 test vectors (age uses BIP 173 Bech32 without its 90-character limit).</summary>
[Category("Fast")]
internal sealed class Bech32Tests
{
    [TestCase("A12UEL5L")]
    [TestCase("a12uel5l")]
    [TestCase("an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs")]
    [TestCase("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw")]
    [TestCase("11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j")]
    [TestCase("split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w")]
    [TestCase("?1ezyfcl")]
    public void Decode_Bip173ValidString_DecodesAndEncodesBackToIt(string text)
    {
        Assert.That(Bech32.TryDecode(text, out var hrp, out var data, out var problem), Is.True, problem);
        Assert.That(Bech32.Encode(hrp, data), Is.EqualTo(text.ToLowerInvariant()));
    }

    [TestCase("\u00201nwldj5", "printable")]
    [TestCase("\u007f1axkwrx", "printable")]
    [TestCase("\u00801eym55h", "printable")]
    [TestCase("pzry9x0s0muk", "separator")]
    [TestCase("1pzry9x0s0muk", "separator")]
    [TestCase("x1b4n0q5v", "cannot appear")]
    [TestCase("li1dgmt3", "too short")]
    [TestCase("de1lg7wt\u00ff", "printable")]
    [TestCase("A1G7SGD8", "checksum")]
    [TestCase("10a06t8", "separator")]
    [TestCase("1qzzfhee", "separator")]
    [TestCase("A12uEL5L", "mixes upper and lower case")]
    public void Decode_Bip173InvalidString_SaysWhy(string text, string why)
    {
        Assert.That(Bech32.TryDecode(text, out _, out _, out var problem), Is.False);
        Assert.That(problem, Does.Contain(why));
    }

    [Test]
    public void Decode_AgeIdentityFromTheTestKit_GivesTheRecipientAgeKeygenPrints()
    {
        // age-keygen -y of the testkit's identity.
        var identity = AgeIdentity.Parse("AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0");

        Assert.That(identity.Recipient.PublicKey, Is.EqualTo("age1xmwwc06ly3ee5rytxm9mflaz2u56jjj36s0mypdrwsvlul66mv4q47ryef"));
        Assert.That(identity.Encode(), Is.EqualTo("AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0"));
    }
}
