using System.Text;
using EtcdBackupd.Protocol;
using EtcdBackupd.Protocol.Restore;

namespace EtcdBackupd.Tests.Control;

/// <summary>Requests are parsed strictly: what a careless or hostile client sends is refused by name, never half-understood.</summary>
[Category("Fast")]
internal sealed class RequestParserTests
{
    private static string? Command(string line, out string? problem) => RequestParser.Command(Encoding.UTF8.GetBytes(line), out problem);

    private static T? Arguments<T>(string line, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> contract, out string? problem)
        where T : Protocol.Requests.ControlRequest => RequestParser.Arguments(Encoding.UTF8.GetBytes(line), contract, out problem);

    [TestCase("""{"command":"status"}""", "status")]
    [TestCase("""  {"dryRun":true,"command":"prune"}  """, "prune")]
    public void Command_AnObjectWithAStringCommand_IsRead(string line, string expected)
    {
        Assert.That(Command(line, out var problem), Is.EqualTo(expected), problem);
    }

    [TestCase("not json", "not a JSON object")]
    [TestCase("[]", "a request is a JSON object")]
    [TestCase("null", "a request is a JSON object")]
    [TestCase("""{"command":42}""", "a string \"command\"")]
    [TestCase("""{"command":null}""", "a string \"command\"")]
    [TestCase("""{}""", "a string \"command\"")]
    [TestCase("""{"command":"status","command":"prune"}""", "the field \"command\" appears twice")]
    [TestCase("""{"command":"prune","dryRun":false,"dryRun":true}""", "the field \"dryRun\" appears twice")]
    [TestCase("""{"command":"status"} {"command":"prune"}""", "something follows it")]
    [TestCase("{\"command\":\"status\" /* comment */}", "not a JSON object")]
    public void Command_AnythingElse_IsRefusedSayingWhy(string line, string why)
    {
        Assert.That(Command(line, out var problem), Is.Null);
        Assert.That(problem, Does.Contain(why));
    }

    [TestCase("{\"command\":\"\\udc00\"}")]
    [TestCase("{\"\\ud800\":1,\"command\":\"status\"}")]
    public void Command_ALoneSurrogateInANameOrValue_IsRefusedNotThrown(string line)
    {
        Assert.That(Command(line, out var problem), Is.Null);
        Assert.That(problem, Does.StartWith("not a JSON object"));
    }

    [Test]
    public void Arguments_APhaseGivenAsANumber_IsAWrongTypeNotAPhase()
    {
        var request = Arguments("""{"command":"restore-phase","session":"s","phase":1}""", ProtocolJsonContext.Default.RestorePhaseRequest, out var problem);

        Assert.That(request, Is.Null);
        Assert.That(problem, Does.StartWith("the field \"phase\" must be one of: plan, check"));
    }

    [Test]
    public void Command_DeeplyNestedInput_IsRefusedNotFollowed()
    {
        var line = "{\"command\":\"status\",\"x\":" + new string('[', 5000) + new string(']', 5000) + "}";

        Assert.That(Command(line, out var problem), Is.Null);
        Assert.That(problem, Does.StartWith("not a JSON object"));
    }

    [TestCase("""{"command":"verify","file":"x.db","descriptor":{"manfest":{}}}""")]
    [TestCase("""{"command":"verify","file":"x.db","offsite":{"target":"a","target":"b"}}""")]
    public void Arguments_AMisspeltOrRepeatedFieldInsideAnObject_IsRefusedNotDroppedNorTheLastOneTaken(string line)
    {
        Assert.That(Arguments(line, ProtocolJsonContext.Default.VerifyRequest, out var problem), Is.Null,
            "a descriptor's manifest misspelt would be dropped (an import named apart); of two targets the last would be used");
        Assert.That(problem, Does.StartWith("the request does not fit the command"));
    }

    [Test]
    public void Arguments_AMisspeltFlag_IsAnUnknownFieldNotARealPrune()
    {
        var prune = Arguments("""{"command":"prune","dryrun":true}""", ProtocolJsonContext.Default.PruneRequest, out var problem);

        Assert.That(prune, Is.Null);
        Assert.That(problem, Is.EqualTo("unknown field \"dryrun\" for this command; it knows \"dryRun\""));
    }

    [Test]
    public void Arguments_ABooleanAsAString_IsAWrongType()
    {
        var prune = Arguments("""{"command":"prune","dryRun":"true"}""", ProtocolJsonContext.Default.PruneRequest, out var problem);

        Assert.That(prune, Is.Null);
        Assert.That(problem, Is.EqualTo("the field \"dryRun\" must be true or false (a JSON boolean, not a string)"));
    }

    [Test]
    public void Arguments_ACommandWithoutArguments_RefusesAnyField()
    {
        Assert.That(Arguments("""{"command":"status","verbose":true}""", ProtocolJsonContext.Default.StatusRequest, out var problem), Is.Null);
        Assert.That(problem, Does.EndWith("it takes no arguments"));
    }

    [TestCase("""{"command":"verify"}""", "the field \"file\" is required")]
    [TestCase("""{"command":"verify","file":null}""", "the field \"file\" must be a string")]
    [TestCase("""{"command":"verify","file":["a"]}""", "the field \"file\" must be a string")]
    public void Arguments_AMissingOrNullOrWrongFile_IsRefusedByName(string line, string why)
    {
        Assert.That(Arguments(line, ProtocolJsonContext.Default.VerifyRequest, out var problem), Is.Null);
        Assert.That(problem, Is.EqualTo(why));
    }

    [Test]
    public void Arguments_AnUnknownRestorePhase_ListsTheKnownOnes()
    {
        var request = Arguments("""{"command":"restore-phase","session":"s","phase":"explode"}""", ProtocolJsonContext.Default.RestorePhaseRequest, out var problem);

        Assert.That(request, Is.Null);
        Assert.That(problem, Does.StartWith("the field \"phase\" must be one of: plan, check, stop-api"));
    }

    [Test]
    public void Arguments_AWellFormedRestorePhase_IsTyped()
    {
        var request = Arguments("""{"command":"restore-phase","session":"s1","phase":"wait-healthy"}""", ProtocolJsonContext.Default.RestorePhaseRequest, out var problem);

        Assert.That(request, Is.Not.Null, problem);
        Assert.That((request!.Session, request.Phase, request.File), Is.EqualTo(("s1", RestorePhase.WaitHealthy, (string?)null)));
    }
}
