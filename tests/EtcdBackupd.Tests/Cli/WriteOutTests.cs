using EtcdBackupctl;

namespace EtcdBackupd.Tests.Cli;

/// <summary>etcdctl's <c>-w json|table</c> means what it means there: <c>--json</c>, or the default tables.</summary>
[Category("Fast")]
internal sealed class WriteOutTests
{
    private readonly CommandLine _commands = new();

    private (bool Json, IReadOnlyList<string> Problems) Parse(params string[] args)
    {
        var parse = _commands.Parse(args);
        return (_commands.Output.IsJson(parse), UsageProblems.Of(parse));
    }

    [TestCase("status", "-w", "json")]
    [TestCase("status", "--write-out=json")]
    [TestCase("status", "-w=json")]
    [TestCase("status", "--write-out", "json")]
    [TestCase("-w", "json", "list")]
    [TestCase("status", "--json")]
    [TestCase("status", "--json", "-w", "json")]
    public void WriteOut_Json_PrintsJson(params string[] args)
    {
        var (json, problems) = Parse(args);

        Assert.That(problems, Is.Empty);
        Assert.That(json, Is.True);
    }

    [TestCase("status")]
    [TestCase("status", "-w", "table")]
    [TestCase("status", "--write-out=table")]
    public void WriteOut_TableOrNothing_PrintsTables(params string[] args)
    {
        var (json, problems) = Parse(args);

        Assert.That(problems, Is.Empty);
        Assert.That(json, Is.False);
    }

    [TestCase("yaml")]
    [TestCase("JSON")]
    [TestCase("fields")]
    public void WriteOut_AnyOtherValue_IsAUsageErrorNamingTheAcceptedValues(string value)
    {
        var (_, problems) = Parse("status", "-w", value);

        Assert.That(problems, Is.EqualTo(new[] { $"-w/--write-out takes json or table, not '{value}'" }));
    }

    [Test]
    public void WriteOut_TableWithJson_IsAUsageErrorRatherThanAGuess()
    {
        var (_, problems) = Parse("status", "--json", "-w", "table");

        Assert.That(problems, Has.Count.EqualTo(1).And.Some.Contains("--json and -w table"));
    }

    [Test]
    [CancelAfter(10_000)]
    // Spelled out: within EtcdBackupd.Tests, "Program" is the daemon's, which would exit 2 for its own reasons.
    public async Task Main_WriteOutYaml_ExitsTwoBeforeReachingTheDaemon()
    {
        var exit = await EtcdBackupctl.Program.Main(["--socket", "/nonexistent/control.sock", "status", "-w", "yaml"]);

        Assert.That(exit, Is.EqualTo(2));
    }
}
