using EtcdBackupctl;
using EtcdBackupd.Protocol.Requests;

namespace EtcdBackupd.Tests.Cli;

/// <summary><c>--offsite[:TARGET]</c> on verify and list: never a snapshot's name taken for a target's.</summary>
[Category("Fast")]
internal sealed class OffsiteFlagTests
{
    private const string Name = "etcd-snapshot-20261124T050000Z-m1-r1234.db";

    [TestCase(new[] { "verify", "--offsite", Name }, null)]
    [TestCase(new[] { "verify", "--offsite:dr", Name }, "dr")]
    [TestCase(new[] { "verify", Name, "--offsite=dr" }, "dr")]
    [TestCase(new[] { "list", "--offsite" }, null)]
    [TestCase(new[] { "list", "--offsite:primary", "--json" }, "primary")]
    public void Parse_Offsite_IsTheScopeAndTheNameStaysTheFile(string[] args, string? target)
    {
        var commands = new CommandLine();
        var parse = commands.Parse(args);

        Assert.That(UsageProblems.Of(parse), Is.Empty);
        var command = parse.CommandResult.Command;
        var flagOption = command.Options.OfType<System.CommandLine.Option<bool>>().Single(o => o.Name == "--offsite");
        var targetOption = command.Options.OfType<System.CommandLine.Option<string?>>().Single(o => o.Name == "--offsite-target");
        Assert.That(parse.GetValue(flagOption) || parse.GetValue(targetOption) is not null, Is.True);
        Assert.That(parse.GetValue(targetOption), Is.EqualTo(target));
        if (args[0] == "verify")
        {
            Assert.That(parse.GetValue(command.Arguments.OfType<System.CommandLine.Argument<string>>().Single()), Is.EqualTo(Name));
        }
    }

    [Test]
    public void Rewrite_OnlyTheJoinedForm_AndNothingAfterTheDoubleDash()
    {
        Assert.That(OffsiteFlag.Rewrite(["verify", "--offsite:dr", "--", "--offsite:x"]), Is.EqualTo(new[] { "verify", "--offsite-target", "dr", "--", "--offsite:x" }));
        Assert.That(OffsiteFlag.Rewrite(["list", "--offsite"]), Is.EqualTo(new[] { "list", "--offsite" }));
    }

    [Test]
    public void Scope_OnTheWire_IsAnOffsiteObjectWithItsTargetOrEmpty()
    {
        var all = System.Text.Json.JsonSerializer.Serialize(new ListRequest { Offsite = new OffsiteScope() }, EtcdBackupd.Protocol.ProtocolJsonContext.Default.ListRequest);
        var one = System.Text.Json.JsonSerializer.Serialize(new VerifyRequest { File = Name, Offsite = new OffsiteScope { Target = "dr" } }, EtcdBackupd.Protocol.ProtocolJsonContext.Default.VerifyRequest);

        Assert.That(all, Is.EqualTo("""{"command":"list","offsite":{}}"""));
        Assert.That(one, Is.EqualTo($$$"""{"command":"verify","file":"{{{Name}}}","offsite":{"target":"dr"}}"""));
    }
}
