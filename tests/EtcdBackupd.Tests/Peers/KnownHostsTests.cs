using System.Security.Cryptography;
using System.Text;
using EtcdBackupd.Peers;
using EtcdBackupd.Tests.Support;
using Verdict = EtcdBackupd.Peers.KnownHosts.Verdict;

namespace EtcdBackupd.Tests.Peers;

/// <summary>Pinned host keys as OpenSSH writes them; the keys and the hashed lines were made by ssh-keygen.</summary>
[Category("Fast")]
internal sealed class KnownHostsTests
{
    private const string Type = "ssh-ed25519";
    private const string Key1 = "AAAAC3NzaC1lZDI1NTE5AAAAIAmYAs/Rov7SquGgusY0L0+IvQKPh2BGrjGgrga3LlDP";
    private const string Key2 = "AAAAC3NzaC1lZDI1NTE5AAAAIGJe/sy/ln3nvlR1oV4yGc6AaWNEafCeCKpR2brBEZUU";
    private static readonly byte[] Offered = Convert.FromBase64String(Key1);
    private TempDirectory _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = new TempDirectory("known-hosts");

    [TearDown]
    public void RemoveDirectory() => _dir.Dispose();

    private KnownHosts Hosts(params string[] lines)
    {
        var path = _dir.Combine("known_hosts");
        File.WriteAllLines(path, lines);
        return new KnownHosts(path);
    }

    /// <summary>The verdict on the offered key for <paramref name="name"/>, with a known_hosts of these lines.</summary>
    private Verdict Check(string name, params string[] lines) => Hosts(lines).Check(name, Type, Offered);

    /// <summary><c>|1|salt|HMAC-SHA1(salt, name)</c>, as <c>ssh-keygen -H</c> writes a name.</summary>
    private static string Hashed(string name)
    {
        var salt = RandomNumberGenerator.GetBytes(20);
#pragma warning disable CA5350 // OpenSSH's hashed known_hosts format is defined as HMAC-SHA1.
        var hash = HMACSHA1.HashData(salt, Encoding.ASCII.GetBytes(name));
#pragma warning restore CA5350
        return $"|1|{Convert.ToBase64String(salt)}|{Convert.ToBase64String(hash)}";
    }

    [Test]
    public void Check_PlainEntry_IsKnown() =>
        Assert.That(Check("10.0.0.2", $"10.0.0.2 {Type} {Key1}"), Is.EqualTo(Verdict.Known));

    [Test]
    public void Check_EntryWithAComment_IsKnown() =>
        Assert.That(Check("10.0.0.2", $"10.0.0.2 {Type} {Key1} root@master2"), Is.EqualTo(Verdict.Known));

    [Test]
    public void Check_OneOfSeveralCommaSeparatedNames_IsKnown() =>
        Assert.That(Check("10.0.0.2", $"master2,10.0.0.2 {Type} {Key1}"), Is.EqualTo(Verdict.Known));

    [Test]
    public void Check_NameInAnotherCase_IsKnown() =>
        Assert.That(Check("master2.example.com", $"Master2.Example.COM {Type} {Key1}"), Is.EqualTo(Verdict.Known));

    [Test]
    public void Check_HostNotInTheFile_IsUnknown() =>
        Assert.That(Check("10.0.0.3", $"10.0.0.2 {Type} {Key1}"), Is.EqualTo(Verdict.Unknown));

    [Test]
    public void Check_NameThatOnlyStartsLikeAnEntry_IsUnknown() =>
        Assert.That(Check("10.0.0.23", $"10.0.0.2 {Type} {Key1}"), Is.EqualTo(Verdict.Unknown));

    [Test]
    public void Check_NoFile_IsUnknown() =>
        Assert.That(new KnownHosts(_dir.Combine("absent")).Check("10.0.0.2", Type, Offered), Is.EqualTo(Verdict.Unknown));

    [Test]
    public void Check_CommentedOutEntry_IsUnknown() =>
        Assert.That(Check("10.0.0.2", $"#10.0.0.2 {Type} {Key1}", "", "   "), Is.EqualTo(Verdict.Unknown));

    [Test]
    public void Check_SameHostWithAnotherKey_IsChanged() =>
        Assert.That(Check("10.0.0.2", $"10.0.0.2 {Type} {Key2}"), Is.EqualTo(Verdict.Changed));

    [Test]
    public void Check_AnotherKeyOnALaterLine_StillFindsThePinnedOne() =>
        Assert.That(Check("10.0.0.2", $"10.0.0.2 {Type} {Key2}", $"10.0.0.2 {Type} {Key1}"), Is.EqualTo(Verdict.Known));

    [Test]
    public void Check_BracketedPortEntry_IsKnownOnThatPort() =>
        Assert.That(Check("[10.0.0.2]:2222", $"[10.0.0.2]:2222 {Type} {Key1}"), Is.EqualTo(Verdict.Known));

    [Test]
    public void Check_BracketedPortEntry_DoesNotPinPort22() =>
        Assert.That(Check("10.0.0.2", $"[10.0.0.2]:2222 {Type} {Key1}"), Is.EqualTo(Verdict.Unknown));

    [Test]
    public void Check_PlainEntry_DoesNotPinAnotherPort() =>
        Assert.That(Check("[10.0.0.2]:2222", $"10.0.0.2 {Type} {Key1}"), Is.EqualTo(Verdict.Unknown));

    [Test]
    public void Match_HashedEntry_FindsTheHost() =>
        Assert.That(Check("10.0.0.2", $"{Hashed("10.0.0.2")} {Type} {Key1}"), Is.EqualTo(Verdict.Known));

    [Test]
    public void Match_HashedEntry_DoesNotFindAnotherHost() =>
        Assert.That(Check("10.0.0.3", $"{Hashed("10.0.0.2")} {Type} {Key1}"), Is.EqualTo(Verdict.Unknown));

    [Test]
    public void Match_HashedPortEntry_FindsTheHostOnThatPort() =>
        Assert.That(Check("[10.0.0.2]:2222", $"{Hashed("[10.0.0.2]:2222")} {Type} {Key1}"), Is.EqualTo(Verdict.Known));

    [TestCase("10.0.0.2", "|1|TOIoJ0x+vl5ynpUuzKmK2a5NyR0=|F/6COi/qN6GzNUSFK2aWOPQTZ1Y=")]
    [TestCase("[10.0.0.3]:2222", "|1|iJLTPvcuhgfw94g91tCY90gdP1g=|kTzNwJi6l0w+10Y/YRBbwHAD3hI=")]
    public void Match_LineHashedBySshKeygen_FindsTheHost(string name, string hashedName) =>
        Assert.That(Check(name, $"{hashedName} {Type} {Key1}"), Is.EqualTo(Verdict.Known));

    [Test]
    public void Match_HashedEntryWithAnotherKey_IsChanged() =>
        Assert.That(Check("10.0.0.2", $"{Hashed("10.0.0.2")} {Type} {Key2}"), Is.EqualTo(Verdict.Changed));

    [Test]
    public void Match_MalformedHashedEntry_IsNoMatch() =>
        Assert.That(Check("10.0.0.2", $"|1|not-base64!|x= {Type} {Key1}"), Is.EqualTo(Verdict.Unknown));

    [TestCase("10.0.0.*", "10.0.0.2", Verdict.Known)]
    [TestCase("*.example.com", "master2.example.com", Verdict.Known)]
    [TestCase("*.example.com", "example.com", Verdict.Unknown)]
    [TestCase("10.0.0.?", "10.0.0.2", Verdict.Known)]
    [TestCase("10.0.0.?", "10.0.0.23", Verdict.Unknown)]
    [TestCase("10.0.0.*", "10.0.1.2", Verdict.Unknown)]
    [TestCase("[10.0.0.*]:2222", "[10.0.0.2]:2222", Verdict.Known)]
    public void Match_WildcardPattern_CoversWhatItSpells(string pattern, string name, Verdict expected) =>
        Assert.That(Check(name, $"{pattern} {Type} {Key1}"), Is.EqualTo(expected));

    [Test]
    public void Match_NegatedPattern_ExcludesTheHostTheWildcardCovers() =>
        Assert.That(Check("10.0.0.2", $"10.0.0.*,!10.0.0.2 {Type} {Key1}"), Is.EqualTo(Verdict.Unknown));

    [Test]
    public void Match_NegatedPattern_LeavesTheOtherHostsCovered() =>
        Assert.That(Check("10.0.0.3", $"10.0.0.*,!10.0.0.2 {Type} {Key1}"), Is.EqualTo(Verdict.Known));

    [Test]
    public void Check_RevokedKey_IsRevoked() =>
        Assert.That(Check("10.0.0.2", $"@revoked 10.0.0.2 {Type} {Key1}"), Is.EqualTo(Verdict.Revoked));

    [Test]
    public void Check_RevokedKeyForEveryHost_IsRevoked() =>
        Assert.That(Check("10.0.0.2", $"@revoked * {Type} {Key1}"), Is.EqualTo(Verdict.Revoked));

    [Test]
    public void Check_KeyRevokedAfterItWasPinned_IsRevoked() =>
        Assert.That(Check("10.0.0.2", $"10.0.0.2 {Type} {Key1}", $"@revoked * {Type} {Key1}"),
            Is.EqualTo(Verdict.Revoked), "an operator appends @revoked and need not delete the old line first");

    [Test]
    public void Check_AnotherKeyRevoked_LeavesThePinnedOneKnown() =>
        Assert.That(Check("10.0.0.2", $"@revoked * {Type} {Key2}", $"10.0.0.2 {Type} {Key1}"), Is.EqualTo(Verdict.Known));

    [Test]
    public void Check_CertAuthorityLine_DoesNotPinAHostKey() =>
        Assert.That(Check("10.0.0.2", $"@cert-authority * {Type} {Key1}"), Is.EqualTo(Verdict.Unknown));

    [Test]
    public void Append_UnknownHost_IsKnownAfterwards()
    {
        var knownHosts = Hosts($"10.0.0.3 {Type} {Key2}");

        knownHosts.Append("[10.0.0.2]:2222", Type, Offered);

        Assert.That(knownHosts.Check("[10.0.0.2]:2222", Type, Offered), Is.EqualTo(Verdict.Known));
    }

    [Test]
    public void Append_ToAFileWithoutAFinalNewline_StartsALineOfItsOwn()
    {
        var path = _dir.Combine("known_hosts");
        File.WriteAllText(path, $"10.0.0.3 {Type} {Key2}");

        new KnownHosts(path).Append("10.0.0.2", Type, Offered);

        Assert.That(File.ReadAllLines(path), Is.EqualTo(new[] { $"10.0.0.3 {Type} {Key2}", $"10.0.0.2 {Type} {Key1}" }));
    }

    [Test]
    public void Append_NoFileYet_CreatesIt()
    {
        var knownHosts = new KnownHosts(_dir.Combine("new_known_hosts"));

        knownHosts.Append("10.0.0.2", Type, Offered);

        Assert.That(knownHosts.Check("10.0.0.2", Type, Offered), Is.EqualTo(Verdict.Known));
    }

    [Test]
    public void Line_IsTheLineOpenSshWrites() =>
        Assert.That(KnownHosts.Line("[10.0.0.2]:2222", Type, Offered), Is.EqualTo($"[10.0.0.2]:2222 {Type} {Key1}"));

    [Test]
    public void Fingerprint_IsWhatSshKeygenPrints() =>
        Assert.That(KnownHosts.Fingerprint(Offered), Is.EqualTo("SHA256:seSBps1pu6HIHSq6ifj9M34TcgcgTpffV1rh/jdFxvU"));
}
