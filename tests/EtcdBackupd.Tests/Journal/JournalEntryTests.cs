using System.Buffers.Binary;
using System.Text;
using EtcdBackupd.Journal;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace EtcdBackupd.Tests.Journal;

/// <summary>
/// The datagrams the journald sink sends, for events logged as the daemon logs them (Microsoft's
/// ILogger over Serilog), read back by the protocol's rules. The real journald reads them in JournaldTests.
/// </summary>
[Category("Fast")]
internal sealed class JournalEntryTests
{
    private const string Identifier = "etcd-backupd";

    [Test]
    public void Encode_OneLineValue_IsNameEqualsValueNewline() =>
        Assert.That(Encoding.UTF8.GetString(Encode(l => l.Information("Snapshot saved"))), Does.StartWith("MESSAGE=Snapshot saved\n"));

    [Test]
    public void Encode_ValueWithANewline_IsTheNameItsLittleEndianLengthAndTheBytes()
    {
        var datagram = Encode(l => l.Information("line one\nline two"));

        byte[] expected = [.. "MESSAGE\n"u8, 17, 0, 0, 0, 0, 0, 0, 0, .. "line one\nline two\n"u8];
        Assert.That(Convert.ToHexString(datagram), Does.Contain(Convert.ToHexString(expected)));
    }

    [Test]
    public void Encode_EveryField_ParsesByTheProtocolsRules() =>
        Assert.That(Fields(Encode(l => l.Warning("a\nb {Path} {Count}", "/x\ny", 3))).Select(f => f.Name),
            Is.EquivalentTo(new[] { "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "PATH", "COUNT" }));

    [Test]
    public void Encode_Identifier_IsTheSyslogIdentifier() =>
        Assert.That(Field(Encode(l => l.Information("x")), "SYSLOG_IDENTIFIER"), Is.EqualTo(Identifier));

    [TestCase(LogEventLevel.Fatal, "2")]
    [TestCase(LogEventLevel.Error, "3")]
    [TestCase(LogEventLevel.Warning, "4")]
    [TestCase(LogEventLevel.Information, "6")]
    [TestCase(LogEventLevel.Debug, "7")]
    [TestCase(LogEventLevel.Verbose, "7")]
    public void Encode_Level_IsTheSyslogPriority(LogEventLevel level, string priority) =>
        Assert.That(Field(Encode(l => l.Write(level, "x")), "PRIORITY"), Is.EqualTo(priority));

    [Test]
    public void Encode_StringProperty_IsNotQuotedInTheMessage() =>
        Assert.That(Field(Encode(l => l.Information("Restore: stop {Unit}", "etcd.service")), "MESSAGE"), Is.EqualTo("Restore: stop etcd.service"));

    [Test]
    public void Encode_Property_IsAFieldNamedInUpperSnakeCase() =>
        Assert.That(Field(Encode(l => l.Information("revision {SnapshotRevision}", 1234L)), "SNAPSHOT_REVISION"), Is.EqualTo("1234"));

    [Test]
    public void Encode_StringProperty_IsNotQuotedInItsField() =>
        Assert.That(Field(Encode(l => l.Information("{EtcdEndpoint}", "https://10.0.0.1:2379")), "ETCD_ENDPOINT"), Is.EqualTo("https://10.0.0.1:2379"));

    [Test]
    public void Encode_NamedEvent_CarriesItsEventName() =>
        Assert.That(Field(EncodeThroughILogger(new EventId(2002, "SnapshotCompleted")), "EVENT_NAME"), Is.EqualTo("SnapshotCompleted"));

    [Test]
    public void Encode_NamedEvent_HasTheMessageIdItHadInEveryRelease() =>
        // The first 16 bytes of SHA-256("etcd-backupd/SnapshotCompleted"): operators' journalctl MESSAGE_ID= queries depend on it.
        Assert.That(Field(EncodeThroughILogger(new EventId(2002, "SnapshotCompleted")), "MESSAGE_ID"), Is.EqualTo("f8dc2c9a90ba59475b083a94c58024b8"));

    [Test]
    public void Encode_EventWithoutAName_HasNoMessageId() =>
        Assert.That(Fields(EncodeThroughILogger(new EventId(7))).Select(f => f.Name), Has.None.EqualTo("MESSAGE_ID").And.None.EqualTo("EVENT_NAME"));

    [Test]
    public void Encode_LoggerCategory_IsTheLoggerField() =>
        Assert.That(Field(EncodeThroughILogger(new EventId(2002, "SnapshotCompleted")), "LOGGER"), Is.EqualTo("EtcdBackupd.Snapshots"));

    [Test]
    public void Encode_Exception_IsWholeInItsOwnField()
    {
        var exception = Thrown();

        Assert.That(Field(Encode(l => l.Error(exception, "Snapshot failed")), "EXCEPTION"), Is.EqualTo(exception.ToString()));
    }

    [Test]
    public void Encode_Exception_FollowsTheMessage()
    {
        var exception = Thrown();

        Assert.That(Field(Encode(l => l.Error(exception, "Snapshot failed")), "MESSAGE"), Is.EqualTo("Snapshot failed" + Environment.NewLine + exception));
    }

    [Test]
    public void Encode_HugeValue_IsCutToFitOneDatagram() =>
        Assert.That(Field(Encode(l => l.Information("{Reason}", new string('x', 100_000))), "REASON"), Has.Length.EqualTo(48 * 1024));

    [TestCase("SnapshotPath", "SNAPSHOT_PATH")]
    [TestCase("SnapshotSha256", "SNAPSHOT_SHA256")]
    [TestCase("Sha256Of", "SHA256_OF")]
    [TestCase("PeerHost", "PEER_HOST")]
    [TestCase("OffsiteTarget", "OFFSITE_TARGET")]
    [TestCase("kebab-name", "KEBAB_NAME")]
    [TestCase("0", "F_0")]
    [TestCase("_Hostname", "F__HOSTNAME")]
    public void FieldName_Property_IsWhatJournaldAccepts(string property, string field) =>
        Assert.That(JournalEntry.FieldName(property), Is.EqualTo(field));

    [Test]
    public void FieldName_LongProperty_IsCutToJournaldsLimit() =>
        Assert.That(JournalEntry.FieldName(new string('a', 100)), Has.Length.EqualTo(64));

    private static byte[] Encode(Action<Serilog.ILogger> log)
    {
        var sink = new CapturingSink();
        using (var logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(sink).CreateLogger())
        {
            log(logger);
        }

        return JournalEntry.Encode(sink.Events.Single(), Identifier);
    }

    /// <summary>As the daemon's code logs: Microsoft's ILogger, a category, an event id, over Serilog.</summary>
    private static byte[] EncodeThroughILogger(EventId eventId) => Encode(serilog =>
    {
        using var factory = new SerilogLoggerFactory(serilog);
        factory.CreateLogger("EtcdBackupd.Snapshots").Log(Microsoft.Extensions.Logging.LogLevel.Information, eventId, "Snapshot saved");
    });

    private static IOException Thrown()
    {
        try
        {
            throw new IOException("disk full");
        }
        catch (IOException e)
        {
            return e;
        }
    }

    private static string Field(byte[] datagram, string name) => Fields(datagram).Single(f => f.Name == name).Value;

    /// <summary>journald's reading: <c>NAME=value\n</c>, or <c>NAME\n</c>, a 64-bit little-endian length, the bytes and <c>\n</c>.</summary>
    private static List<(string Name, string Value)> Fields(byte[] datagram)
    {
        var fields = new List<(string, string)>();
        var rest = datagram.AsSpan();
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOfAny((byte)'=', (byte)'\n');
            Assert.That(end, Is.Positive, "a field name ends with '=' or a newline");
            var name = Encoding.ASCII.GetString(rest[..end]);
            if (rest[end] == (byte)'=')
            {
                rest = rest[(end + 1)..];
                var newline = rest.IndexOf((byte)'\n');
                fields.Add((name, Encoding.UTF8.GetString(rest[..newline])));
                rest = rest[(newline + 1)..];
            }
            else
            {
                var length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(rest.Slice(end + 1, 8)));
                rest = rest[(end + 9)..];
                fields.Add((name, Encoding.UTF8.GetString(rest[..length])));
                Assert.That(rest[length], Is.EqualTo((byte)'\n'), $"{name}: a binary value ends with a newline");
                rest = rest[(length + 1)..];
            }
        }

        return fields;
    }

    private sealed class CapturingSink : Serilog.Core.ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }
}
