using EtcdBackupctl;
using EtcdBackupd.Protocol;
using EtcdBackupd.Protocol.Requests;

namespace EtcdBackupd.Tests.Cli;

/// <summary><c>fetch --from</c> becomes a typed source in the CLI, and the daemon reads that source strictly.</summary>
[Category("Fast")]
internal sealed class FetchCommandTests
{
    [TestCase("peer:10.0.0.2", "10.0.0.2", null)]
    [TestCase("peer:10.0.0.2:2222", "10.0.0.2", 2222)]
    [TestCase("peer:master-2.example", "master-2.example", null)]
    [TestCase("peer:[fd00::2]:22", "fd00::2", 22)]
    [TestCase("peer:[fd00::2]", "fd00::2", null)]
    public void From_APeer_IsItsHostAndPort(string text, string host, int? port)
    {
        Assert.That(FetchSources.Parse(text, out var problem), Is.EqualTo(new FetchSource { Kind = FetchSourceKind.Peer, Host = host, Port = port }), problem);
    }

    [TestCase("offsite", null)]
    [TestCase("offsite:s3-eu", "s3-eu")]
    public void From_Offsite_IsAnOffsiteSourceWithItsTarget(string text, string? target)
    {
        Assert.That(FetchSources.Parse(text, out _), Is.EqualTo(new FetchSource { Kind = FetchSourceKind.Offsite, Target = target }));
    }

    [TestCase("10.0.0.2", "is not peer:HOST[:PORT] or offsite[:TARGET]")]
    [TestCase("peer:", "is not peer:HOST[:PORT] or offsite[:TARGET]")]
    [TestCase("peer:10.0.0.2:ssh", "the port must be a number from 1 to 65535")]
    [TestCase("peer:10.0.0.2:70000", "the port must be a number from 1 to 65535")]
    public void From_NotASource_IsAUsageProblemSayingWhy(string text, string why)
    {
        Assert.That(FetchSources.Parse(text, out var problem), Is.Null);
        Assert.That(problem, Does.Contain(why));
    }

    [Test]
    public void Request_WithAPeerSource_IsTheTypedObjectOnTheWire()
    {
        var request = new FetchRequest { Source = new FetchSource { Kind = FetchSourceKind.Peer, Host = "10.0.0.2", Port = 22 }, Newest = true };

        Assert.That(System.Text.Json.JsonSerializer.Serialize(request, ProtocolJsonContext.Default.FetchRequest),
            Is.EqualTo("""{"command":"fetch","source":{"kind":"peer","host":"10.0.0.2","port":22},"newest":true}"""));
    }

    [TestCase("""{"command":"fetch","source":"peer:10.0.0.2","newest":true}""")]
    [TestCase("""{"command":"fetch","source":{"kind":0,"host":"10.0.0.2"},"newest":true}""")]
    [TestCase("""{"command":"fetch","source":{"kind":"ftp","host":"10.0.0.2"},"newest":true}""")]
    [TestCase("""{"command":"fetch","source":{"kind":"peer","hots":"10.0.0.2"},"newest":true}""")]
    public void Request_WithASourceThatIsNotOneOfOurs_IsABadRequest(string line)
    {
        Assert.That(RequestParser.Arguments(System.Text.Encoding.UTF8.GetBytes(line), ProtocolJsonContext.Default.FetchRequest, out var problem), Is.Null);
        Assert.That(problem, Is.Not.Null);
    }
}
