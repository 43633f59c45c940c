using EtcdBackupctl;
using EtcdBackupd.Protocol;

namespace EtcdBackupd.Tests.Cli;

/// <summary>A mistyped command or option is a usage error that names the one the operator most likely meant.</summary>
[Category("Fast")]
internal sealed class DidYouMeanTests
{
    private static IReadOnlyList<string> Problems(params string[] args) => UsageProblems.Of(new CommandLine().Parse(args));

    [TestCase("stauts", "status")]
    [TestCase("staus", "status")]
    [TestCase("lst", "list")]
    [TestCase("snap", "snapshot")]
    [TestCase("peer", "peers")]
    [TestCase("chekc", "check")]
    [TestCase("restroe", "restore")]
    public void UnknownCommand_CloseToOne_SuggestsIt(string typed, string meant)
    {
        Assert.That(Problems(typed), Is.EqualTo(new[] { $"unknown command '{typed}'; did you mean '{meant}'?" }));
    }

    [TestCase("frobnicate")]
    [TestCase("ls")]
    [TestCase("s")]
    public void UnknownCommand_FarFromEveryOne_SuggestsNothing(string typed)
    {
        Assert.That(Problems(typed), Is.EqualTo(new[] { $"unknown command '{typed}'" }));
    }

    [TestCase("prune", "--dryrun", "--dry-run")]
    [TestCase("prune", "--dry-rn", "--dry-run")]
    [TestCase("restore", "--clustr", "--cluster")]
    [TestCase("status", "--jsno", "--json")]
    [TestCase("status", "--sokcet", "--socket")]
    [TestCase("list", "--write-ot", "--write-out")]
    [TestCase("list", "--wdie", "--wide")]
    [TestCase("status", "--wid", "--wide")]
    public void UnknownOption_CloseToOneOfTheCommands_SuggestsIt(string command, string typed, string meant)
    {
        Assert.That(Problems(command, typed), Is.EqualTo(new[] { $"unknown option '{typed}' for {command}; did you mean '{meant}'?" }));
    }

    [Test]
    public void UnknownOption_OfAnotherCommand_IsNotSuggested()
    {
        // --dry-run belongs to prune and restore: suggesting it for status would send the operator round in circles.
        Assert.That(Problems("status", "--dryrun"), Is.EqualTo(new[] { "unknown option '--dryrun' for status" }));
    }

    [TestCase("restore", "--dryrun", "snapshot.db")]
    [TestCase("verify", "--jsn")]
    public void UnknownOption_WhereAnArgumentIsExpected_IsNotTakenForTheFile(params string[] args)
    {
        var problems = Problems(args);

        Assert.That(problems, Has.Count.EqualTo(1));
        Assert.That(problems[0], Does.StartWith($"unknown option '{args[1]}' for {args[0]}; did you mean"));
    }

    [Test]
    public void UnknownOption_FollowedByItsValue_IsOneLine()
    {
        Assert.That(Problems("status", "--sokcet", "/run/x.sock"), Is.EqualTo(new[] { "unknown option '--sokcet' for status; did you mean '--socket'?" }));
    }

    [Test]
    public void KnownCommandLine_HasNoProblems()
    {
        Assert.That(Problems("restore", "snapshot.db", "--cluster", "--dry-run", "-w", "json"), Is.Empty);
    }

    [Test]
    public void DoubleDash_LetsAFileNameBeginWithADash()
    {
        Assert.That(Problems("verify", "--", "--odd.db"), Is.Empty);
    }

    [TestCase("status", "stauts", 1)]
    [TestCase("status", "sttaus", 1)]
    [TestCase("dry-run", "dryrun", 1)]
    [TestCase("list", "list", 0)]
    [TestCase("--JSON", "--json", 0)]
    [TestCase("", "abc", 3)]
    [TestCase("ca", "abc", 3)]
    public void Distance_CountsASwapOfNeighboursAsOneEdit(string a, string b, int expected)
    {
        Assert.That(EditDistance.Between(a, b), Is.EqualTo(expected));
    }

    [Test]
    [CancelAfter(10_000)]
    // Spelled out: within EtcdBackupd.Tests, "Program" is the daemon's, which would exit 2 for its own reasons.
    public async Task Main_UnknownCommand_ExitsTwo()
    {
        Assert.That(await EtcdBackupctl.Program.Main(["--socket", "/nonexistent/control.sock", "stauts"]), Is.EqualTo(2));
    }
}
