using System.Net.Sockets;
using Serilog.Core;
using Serilog.Events;

namespace EtcdBackupd.Journal;

/// <summary>
/// A Serilog sink that speaks journald's native protocol over its datagram socket (Serilog's own
/// journald sink is not available to us, and the protocol is small). An event the journal cannot take
/// goes to standard error instead of being lost.
/// </summary>
internal sealed class JournaldSink : ILogEventSink, IDisposable
{
    public const string DefaultSocket = "/run/systemd/journal/socket";

    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly UnixDomainSocketEndPoint _journal;
    private readonly string _identifier;
    private readonly Lock _lock = new();

    public JournaldSink(string socketPath, string identifier)
    {
        _journal = new UnixDomainSocketEndPoint(socketPath);
        _identifier = identifier;
    }

    public void Emit(LogEvent logEvent)
    {
        var datagram = JournalEntry.Encode(logEvent, _identifier);
        try
        {
            lock (_lock)
            {
                _socket.SendTo(datagram, SocketFlags.None, _journal);
            }
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"etcd-backupd: journal unavailable ({e.SocketErrorCode}): {logEvent.RenderMessage()}");
        }
    }

    public void Dispose() => _socket.Dispose();
}
