namespace EtcdBackupd.Control;

/// <summary>
/// How many lines one user's control requests may put in the journal. journald drops a unit's messages
/// past its own rate limit (10,000 in 30 s by default), and what it drops then are the daemon's lines
/// too, a failed backup's among them: a member of <c>Control.Group</c> who floods the socket, each
/// connection turned away a line, could hide them. A uid other than root is logged up to
/// <see cref="LinesPerMinute"/> in a minute; the rest are counted, and the count is logged once when
/// that minute ends. Root is never held back.
/// </summary>
internal sealed class ControlJournalBudget(TimeProvider time, ILogger<ControlJournalBudget> logger)
{
    /// <summary>Sixty a minute for each of a hundred users is still a fifth of journald's default limit.</summary>
    public const int LinesPerMinute = 60;

    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private readonly Lock _lock = new();

    // One entry per uid other than root that has connected: the group's members, and any other uid the socket's mode let reach it.
    private readonly Dictionary<int, Window> _windows = [];

    /// <summary>Whether this line of <paramref name="peer"/>'s may be written; if not, it is counted.</summary>
    public bool Allows(PeerCredentials peer)
    {
        if (peer.IsRoot)
        {
            return true;
        }

        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (!_windows.TryGetValue(peer.Uid, out var window) || now - window.Start >= Minute)
            {
                // A window with lines held back reports them on its own timer; this one starts afresh.
                _windows[peer.Uid] = window = new Window(peer.Uid, now);
            }

            if (window.Written < LinesPerMinute)
            {
                window.Written++;
                return true;
            }

            if (window.HeldBack++ == 0)
            {
                window.Report = time.CreateTimer(Report, window, window.Start + Minute - now, Timeout.InfiniteTimeSpan);
            }

            return false;
        }
    }

    private void Report(object? state)
    {
        var window = (Window)state!;
        int heldBack;
        lock (_lock)
        {
            heldBack = window.HeldBack;
            window.Report?.Dispose();
        }

        ControlLog.LinesHeldBack(logger, heldBack, window.Uid, window.Start, LinesPerMinute);
    }

    private sealed class Window(int uid, DateTimeOffset start)
    {
        public int Uid { get; } = uid;

        public DateTimeOffset Start { get; } = start;

        public int Written { get; set; }

        public int HeldBack { get; set; }

        public ITimer? Report { get; set; }
    }
}
