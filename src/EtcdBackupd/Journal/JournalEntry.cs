using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace EtcdBackupd.Journal;

/// <summary>
/// One log event in journald's native protocol: <c>NAME=value\n</c> per field, or, for a value with a
/// newline, <c>NAME\n</c>, its length as 64-bit little-endian, the bytes and <c>\n</c> (binary-safe).
/// Event properties become fields (<c>SnapshotPath</c> → <c>SNAPSHOT_PATH</c>) so an operator can
/// run <c>journalctl -u etcd-backupd SNAPSHOT_REVISION=N</c>.
/// </summary>
internal static class JournalEntry
{
    /// <summary>Keeps one datagram well under the kernel's default socket buffer.</summary>
    private const int MaxValueBytes = 48 * 1024;

    /// <summary>Strings as they are, not quoted: the journal is read by people ("Restore: stop etcd.service").</summary>
    private static readonly MessageTemplateTextFormatter Literal = new("{Message:l}", CultureInfo.InvariantCulture);

    public static byte[] Encode(LogEvent logEvent, string identifier)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        Literal.Format(logEvent, text);
        var message = text.ToString();
        if (logEvent.Exception is { } exception)
        {
            message += Environment.NewLine + exception;
            Field(buffer, "EXCEPTION", exception.ToString());
        }

        Field(buffer, "MESSAGE", message);
        Field(buffer, "PRIORITY", Priority(logEvent.Level));
        Field(buffer, "SYSLOG_IDENTIFIER", identifier);
        foreach (var (name, value) in logEvent.Properties)
        {
            switch (name)
            {
                case "EventId" when value is StructureValue eventId:
                    var eventName = eventId.Properties.FirstOrDefault(p => p.Name == "Name")?.Value is ScalarValue { Value: string n } ? n : null;
                    if (eventName is not null)
                    {
                        Field(buffer, "MESSAGE_ID", MessageId(eventName));
                        Field(buffer, "EVENT_NAME", eventName);
                    }

                    break;
                case "SourceContext":
                    Field(buffer, "LOGGER", Text(value));
                    break;
                default:
                    Field(buffer, FieldName(name), Text(value));
                    break;
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A stable 128-bit id per kind of event, as journald's MESSAGE_ID wants.</summary>
    public static string MessageId(string eventName) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("etcd-backupd/" + eventName)).AsSpan(0, 16));

    /// <summary><c>SnapshotPath</c> → <c>SNAPSHOT_PATH</c>; journald accepts A-Z, 0-9 and _ only, not leading _.</summary>
    public static string FieldName(string property)
    {
        var name = new StringBuilder(property.Length + 8);
        for (var i = 0; i < property.Length && name.Length < 64; i++)
        {
            var c = property[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(property[i - 1]) || char.IsDigit(property[i - 1])))
            {
                name.Append('_');
            }

            name.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }

        return name.Length == 0 || !char.IsAsciiLetterUpper(name[0]) ? "F_" + name : name.ToString();
    }

    private static string Text(LogEventPropertyValue value) =>
        value is ScalarValue scalar ? Convert.ToString(scalar.Value, CultureInfo.InvariantCulture) ?? "" : value.ToString();

    private static string Priority(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => "2",
        LogEventLevel.Error => "3",
        LogEventLevel.Warning => "4",
        LogEventLevel.Information => "6",
        _ => "7",
    };

    private static void Field(ArrayBufferWriter<byte> buffer, string name, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var data = bytes.AsSpan(0, Math.Min(bytes.Length, MaxValueBytes));
        Encoding.ASCII.GetBytes(name, buffer);
        if (data.Contains((byte)'\n'))
        {
            buffer.Write("\n"u8);
            BinaryPrimitives.WriteUInt64LittleEndian(buffer.GetSpan(8), (ulong)data.Length);
            buffer.Advance(8);
        }
        else
        {
            buffer.Write("="u8);
        }

        buffer.Write(data);
        buffer.Write("\n"u8);
    }
}
