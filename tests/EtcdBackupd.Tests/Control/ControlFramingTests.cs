using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using EtcdBackupd.Control;
using EtcdBackupd.Protocol;
using EtcdBackupd.Protocol.Results;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.Control;

/// <summary>The framing and the connection's one writer, on a real Unix socket pair inside the test process.</summary>
[Category("Fast")]
internal sealed class ControlFramingTests
{
    private TempDirectory _dir = null!;
    private Socket _listener = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory("framing");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(_dir.Combine("s.sock")));
        _listener.Listen(4);
    }

    [TearDown]
    public void TearDown()
    {
        _listener.Dispose();
        _dir.Dispose();
    }

    private async Task<(Socket Server, Socket Client)> PairAsync()
    {
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(_dir.Combine("s.sock")));
        return (await _listener.AcceptAsync(), client);
    }

    private static async Task<List<JsonObject>> ReadLinesAsync(Socket client, int count)
    {
        using var reader = new StreamReader(new NetworkStream(client, ownsSocket: false), Encoding.UTF8);
        var lines = new List<JsonObject>();
        while (lines.Count < count && await reader.ReadLineAsync() is { } line)
        {
            lines.Add(JsonNode.Parse(line)!.AsObject());
        }

        return lines;
    }

    private static readonly ControlJournalBudget Journal = new(TimeProvider.System, NullLogger<ControlJournalBudget>.Instance);

    private static ControlSession Session(Socket server, ControlOptions? options = null) =>
        new(server, PeerCredentials.Of(server), options ?? new ControlOptions(), new ControlDispatcher([], Journal, NullLogger<ControlDispatcher>.Instance), Journal, NullLogger.Instance);

    [Test]
    [CancelAfter(10_000)]
    public async Task Session_AClientThatTricklesARequest_IsDroppedAtTheRequestDeadline()
    {
        var (server, client) = await PairAsync();
        using (server)
        using (client)
        {
            var running = Session(server, new ControlOptions { RequestDeadline = TimeSpan.FromMilliseconds(600), Idle = TimeSpan.FromSeconds(30) }).RunAsync(CancellationToken.None);
            foreach (var b in "{\"command\":"u8.ToArray())
            {
                await client.SendAsync(new[] { b });
                await Task.Delay(100);
            }

            var answer = (await ReadLinesAsync(client, 1)).Single();
            await running;

            Assert.That(answer["error"]!["message"]!.GetValue<string>(), Does.Contain("Control.RequestSeconds"));
        }
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Writer_EventsThenTheAnswer_ArriveInTheOrderTheyWereGiven()
    {
        var (server, client) = await PairAsync();
        using (server)
        using (client)
        {
            await using var writer = new ConnectionWriter(server, TimeSpan.FromSeconds(5));
            for (var i = 0; i < 50; i++)
            {
                writer.Event(ProgressEvent.Snapshot(i, 50));
            }

            var written = await writer.AnswerAsync(Reply.Failure(ErrorCodes.Failed, "done"));

            var lines = await ReadLinesAsync(client, 51);
            Assert.That(written, Is.True);
            Assert.That(lines.Take(50).Select(l => l["bytes"]!.GetValue<long>()), Is.EqualTo(Enumerable.Range(0, 50).Select(i => (long)i)));
            Assert.That(lines[50]["ok"]!.GetValue<bool>(), Is.False);
        }
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Writer_AClientThatDoesNotRead_IsDroppedAtTheDeadline()
    {
        var (server, client) = await PairAsync();
        using (server)
        using (client)
        {
            await using var writer = new ConnectionWriter(server, TimeSpan.FromMilliseconds(300));
            // Far more than the socket buffers hold: the send can only finish if the client reads.
            IReadOnlyList<ListEntry> big = [.. Enumerable.Range(0, 40_000).Select(i => new ListEntry($"/snapshots/{i}", i, null, i, DateTimeOffset.UnixEpoch, "m1", Verification.Ok))];

            var written = await writer.AnswerAsync(Reply.Success(big, ProtocolJsonContext.Default.IReadOnlyListListEntry));
            var after = await writer.AnswerAsync(Reply.Failure(ErrorCodes.Failed, "never sent"));

            Assert.That((written, after), Is.EqualTo((false, false)));
        }
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Session_ALineOverTheLimit_IsRefusedAsTooLargeEvenWhenItEndsInANewline()
    {
        var (server, client) = await PairAsync();
        using (server)
        using (client)
        {
            var session = Session(server);
            var running = session.RunAsync(CancellationToken.None);
            var line = Encoding.UTF8.GetBytes("{\"command\":\"status\",\"pad\":\"" + new string('x', 127 * 1024) + "\"}\n");
            await client.SendAsync(line);

            var answer = (await ReadLinesAsync(client, 1)).Single();
            await running;

            Assert.That(answer["error"]!["code"]!.GetValue<string>(), Is.EqualTo(ErrorCodes.TooLarge));
        }
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Session_UnknownCommandsAndBadLines_EachGetOneAnswerAndTheConnectionStays()
    {
        var (server, client) = await PairAsync();
        using (server)
        using (client)
        {
            var session = Session(server);
            _ = session.RunAsync(CancellationToken.None);

            await client.SendAsync("{\"command\":\"nope\"}\nnot json\n{\"command\":1}\n"u8.ToArray());
            var answers = await ReadLinesAsync(client, 3);

            Assert.That(answers.Select(a => a["error"]!["code"]!.GetValue<string>()), Is.EqualTo(new[] { "unknown_command", "bad_request", "bad_request" }));
        }
    }
}
