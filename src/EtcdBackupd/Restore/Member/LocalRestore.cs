using EtcdBackupd.Etcd;

namespace EtcdBackupd.Restore;

/// <summary>A restore is already under way on this member (one at a time, local or part of a cluster restore).</summary>
internal sealed class RestoreBusyException(string message) : Exception(message);

/// <summary>A <c>restore-phase</c> names a session that is not open here.</summary>
internal sealed class NoRestoreSessionException(string message) : InvalidOperationException(message);

/// <summary>This member has a record of the session that cannot be read: it can say nothing of where it stands.</summary>
internal sealed class SessionUnreadableException(string message) : IOException(message);

/// <summary>
/// The runbook's restore on this member, in its order: check the snapshot before anything stops; stop
/// the API servers, then etcd; move the data directory aside (never deleted); run etcd's own restore
/// tool with this member's parameters; give the new directory the old one's owner and mode; start etcd
/// and wait until it is healthy; start the API servers. A failing step undoes the ones before it.
/// Also holds the one session a cluster restore drives step by step across requests.
/// </summary>
internal sealed class LocalRestore : IDisposable
{
    private readonly RestoreOptions options;
    private readonly EtcdOptions etcd;
    private readonly IServiceControl services;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly SessionStore? _store;
    private readonly RestoreActivity _activity;
    private readonly RestoreLock? _lock;

    private readonly SemaphoreSlim _one = new(1, 1);
    private (string Id, RestoreSession Session)? _held;

    /// <summary>A cluster session left open in <paramref name="store"/> (the daemon stopped in the middle) is held again at once.</summary>
    public LocalRestore(
        RestoreOptions options, EtcdOptions etcd, IServiceControl services, TimeProvider time, ILogger logger, RestoreActivity? activity = null, SessionStore? store = null,
        RestoreLock? restoreLock = null)
    {
        (this.options, this.etcd, this.services, this.time, this.logger, _store, _lock) = (options, etcd, services, time, logger, store, restoreLock);
        _activity = activity ?? new RestoreActivity();
        if (store?.All().LastOrDefault(r => r.Outcome == SessionOutcome.Open) is { } open)
        {
            // Only with the lock: another process holding it (the daemon, when this is a one-shot restore; a one-shot,
            // when this is the daemon) has the session's record in hand, and a copy reloaded here would write over it.
            // The session is taken up later, when a request for it finds the lock free (Held).
            if (Take($"cluster restore session {open.Id}") is { } held)
            {
                RestoreLog.LockUnavailable(logger, held);
            }
            else
            {
                _one.Wait(0);
                Adopt(open);
            }
        }
    }

    private void Adopt(SessionRecord open)
    {
        var phase = open.Running is { } died ? $"stopped during '{died.Wire()}'" : open.Done.Count > 0 ? $"'{open.Done[^1].Wire()}' done" : "opened";
        var session = RestoreSession.Reload(open, options, etcd, services, time, logger, _store!);
        _held = (open.Id, session);
        _activity.Begin($"cluster restore session '{open.Id}' of {Path.GetFileName(open.Snapshot)}");
        RestoreLog.SessionReloaded(logger, open.Id, open.Snapshot, phase);
    }

    /// <summary>
    /// A session open in the records that this process does not hold (a one-shot restore of it on this
    /// master, since ended or killed), taken up when no other process holds the lock; its coordinator was
    /// that process, so no lease is kept for it. Null when taken up, else why not.
    /// </summary>
    private string? TryAdopt(SessionRecord open)
    {
        if (!_one.Wait(0))
        {
            return Busy();
        }

        if (Take($"cluster restore session {open.Id}") is { } locked)
        {
            _one.Release();
            return locked;
        }

        // Read again with the lock in hand: the other process may have closed the session just before letting go.
        SessionRecord? still;
        try
        {
            still = _store!.Find(open.Id);
        }
        catch (SessionUnreadableException e)
        {
            Leave();
            return e.Message;
        }

        if (still is not { Outcome: SessionOutcome.Open })
        {
            Leave();
            return $"restore session '{open.Id}' was closed by the process that held it";
        }

        try
        {
            Adopt(still);
        }
        catch
        {
            // Whatever the reload throws: neither the session nor the locks stay taken.
            _held = null;
            _activity.End();
            Leave();
            throw;
        }

        _held!.Value.Session.ExpireLease();
        return null;
    }

    /// <summary>What is under way here, for retention and the stop to respect.</summary>
    public RestoreActivity Activity => _activity;

    /// <summary>What a restore would do, changing nothing: the member's parameters with their sources and the exact command.</summary>
    public (MemberParameters Member, IReadOnlyList<string> Command, IReadOnlyList<string> Problems, Sourced Tool) Plan(
        string snapshot, string? session = null, string? snapshotVersion = null) =>
        options.PlanWithTool(snapshot, session, snapshotVersion);

    public RestoreSession NewSession(string snapshot, Action<string>? onStep, string? session = null) =>
        new(snapshot, options, etcd, services, time, logger, onStep, session, session is null ? null : _store);

    /// <summary>One restore at a time on this member.</summary>
    public async Task<RestoreReport> RunExclusiveAsync(string snapshot, Action<string>? onStep, CancellationToken cancellationToken)
    {
        if (await EnterAsync($"restore of {Path.GetFileName(snapshot)}", cancellationToken) is { } refused)
        {
            return new RestoreReport(false, [], "start", refused, null);
        }

        try
        {
            _activity.Begin($"a restore of {Path.GetFileName(snapshot)}");
            using var working = _activity.Working();
            return await RunAsync(snapshot, onStep, cancellationToken);
        }
        finally
        {
            _activity.End();
            Leave();
        }
    }

    public async Task<RestoreReport> RunAsync(string snapshot, Action<string>? onStep, CancellationToken cancellationToken)
    {
        var session = NewSession(snapshot, onStep);
        try
        {
            await session.CheckAsync(null, null, cancellationToken);
            await session.StopApiServersAsync(cancellationToken);
            await session.StopEtcdAsync(cancellationToken);
            await session.RestoreDataAsync(cancellationToken);
            await session.StartEtcdAsync(cancellationToken);
            await session.WaitHealthyAsync(cancellationToken);
            await session.StartApiServersAsync(cancellationToken);
            return session.Report(null);
        }
        catch (Exception e)
        {
            // Cancelled too (the daemon stopping, the client gone): a member left half-restored is worse than the old data.
            await session.RollBackAsync();
            return session.Report(e);
        }
    }

    /// <summary>
    /// Opens the session a cluster restore drives by <paramref name="id"/>; refused while any other
    /// restore runs here. The same session asked again (a coordinator that reconnected) is the one open.
    /// </summary>
    public async Task<RestoreSession> BeginAsync(string id, string snapshot, Action<string>? onStep, CancellationToken cancellationToken)
    {
        if (_held is { } same && same.Id == id)
        {
            return same.Session;
        }

        if (_store?.Find(id) is { Outcome: not SessionOutcome.Open })
        {
            throw new RestoreBusyException($"restore session '{id}' was closed on this member already; a new restore has a new session");
        }

        if (await EnterAsync($"cluster restore session {id}", cancellationToken) is { } refused)
        {
            throw new RestoreBusyException(refused);
        }

        var session = NewSession(snapshot, onStep, id);
        _held = (id, session);
        _activity.Begin($"cluster restore session '{id}' of {Path.GetFileName(snapshot)}");
        return session;
    }

    /// <summary>The session <paramref name="id"/> opened, for its next step.</summary>
    public RestoreSession Held(string id)
    {
        if (_held is { } held && held.Id == id)
        {
            return held.Session;
        }

        if (_held is null && _store?.Find(id) is { Outcome: SessionOutcome.Open } open)
        {
            return TryAdopt(open) is { } refused
                ? throw new NoRestoreSessionException($"restore session '{id}' is open in this member's records, but another process has it: {refused}")
                : _held!.Value.Session;
        }

        throw new NoRestoreSessionException($"no restore session '{id}' on this member" + (_held is { } other ? $" (session '{other.Id}' is open)" : ""));
    }

    /// <summary>The open session's ID, or null.</summary>
    public string? HeldId => _held?.Id;

    /// <summary>The open session's state, for <c>status</c>; null when none is open.</summary>
    public SessionState? OpenState => _held?.Session.State();

    /// <summary>A session's record, open or closed; null when this member never opened it (or forgot it).</summary>
    public SessionState? StateOf(string id) => _held is { } held && held.Id == id ? held.Session.State()
        : _store?.Find(id) is { } record ? RestoreSession.StateOf(record) : null;

    /// <summary>Whether <paramref name="session"/> is still the open session <paramref name="id"/> (not closed while a request waited its turn).</summary>
    public bool Holds(string id, RestoreSession session) => _held is { } held && held.Id == id && ReferenceEquals(held.Session, session);

    /// <summary>Closes session <paramref name="id"/> (finished or rolled back), so the next restore may start.</summary>
    public void End(string id)
    {
        if (_held is { } held && held.Id == id)
        {
            _held = null;
            _activity.End();
            Leave();
        }
    }

    /// <summary>
    /// The one restore of this member: this process's turn, then the lock against any other process (a
    /// one-shot restore); null when both are held, else why not, with neither held.
    /// </summary>
    private async Task<string?> EnterAsync(string holder, CancellationToken cancellationToken)
    {
        if (!await _one.WaitAsync(0, cancellationToken))
        {
            return Busy();
        }

        if (Take(holder) is { } locked)
        {
            _one.Release();
            return locked;
        }

        return null;
    }

    private void Leave()
    {
        _lock?.Release();
        _one.Release();
    }

    /// <summary>The lock between this process and any other restoring this member; null when taken (or there is none).</summary>
    private string? Take(string holder) => _lock?.TryTake(holder, unavailable => RestoreLog.LockUnavailable(logger, unavailable));

    private string Busy() => _held is { } held
        ? $"cluster restore session '{held.Id}' is open on this member at step '{held.Session.Step}'"
            + (held.Session.LeaseLeft > TimeSpan.Zero
                ? $"; its coordinator ({held.Session.Coordinator}) holds it for {held.Session.LeaseLeft.TotalSeconds:F0} s more"
                : $"; its coordinator ({held.Session.Coordinator}) is gone: end it on every member with etcd-backupctl restore --recover {held.Id} --yes")
        : "another restore is running on this member";

    public void Dispose() => _one.Dispose();
}
