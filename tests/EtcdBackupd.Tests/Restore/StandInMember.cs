using EtcdBackupd.Protocol;
using EtcdBackupd.Protocol.Requests;
using EtcdBackupd.Protocol.Restore;
using EtcdBackupd.Restore;

namespace EtcdBackupd.Tests.Restore;

/// <summary>
/// A STAND-IN cluster restore member for the coordinator's in-process tests: it answers every phase
/// as a healthy member would, unless the test scripts a failure, a failed rollback or silence.
/// </summary>
internal sealed class StandInMember(string name, bool leader, string clusterId = "c0ffee") : IRestoreMember
{
    private readonly List<(RestorePhase Phase, long At)> _calls = [];
    private readonly Lock _lock = new();

    public string Name => name;

    /// <summary>The phase this member fails (answers an error), if any.</summary>
    public RestorePhase? FailsAt { get; init; }

    /// <summary>The phase from which this member never answers (the deadline must catch it), if any.</summary>
    public RestorePhase? SilentFrom { get; init; }

    public bool RollbackFails { get; init; }

    /// <summary>Where its finish says the old data and WAL are kept.</summary>
    public (string? Data, string? Wal) KeptAt { get; init; }

    /// <summary>How long this member takes to become healthy.</summary>
    public TimeSpan HealthyAfter { get; init; }

    /// <summary>How long this member takes to answer a renewal (<c>state</c>): a link that resets and is reconnected, say.</summary>
    public TimeSpan RenewalTakes { get; init; }

    public int Protocol { get; init; } = ControlFraming.ProtocolVersion;

    /// <summary>The restore command its check reports.</summary>
    public string Command { get; init; } = "etcdutl snapshot restore s --bump-revision 1000000000 --mark-compacted";

    public IReadOnlyList<RestorePhase> Calls
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls.Select(c => c.Phase)];
            }
        }
    }

    public RestorePhase LastCall => Calls[^1];

    /// <summary>When this member was asked for <paramref name="phase"/> (a monotonic counter), or null.</summary>
    public long? AskedAt(RestorePhase phase)
    {
        lock (_lock)
        {
            return _calls.Where(c => c.Phase == phase).Select(c => (long?)c.At).FirstOrDefault();
        }
    }

    public long? AnsweredAt { get; private set; }

    private static long _clock;

    /// <summary>How many times the coordinator renewed its lease here (<c>state</c> requests, not counted in <see cref="Calls"/>).</summary>
    public int Renewals { get; private set; }

    public async Task<PhaseAnswer> CallAsync(RestorePhaseRequest request, CancellationToken cancellationToken)
    {
        if (request.Phase == RestorePhase.State)
        {
            await Task.Delay(RenewalTakes, cancellationToken);
            Renewals++;
            return PhaseAnswer.Failed(ErrorCodes.NoSession, "the stand-in keeps no record");
        }

        lock (_lock)
        {
            _calls.Add((request.Phase, Interlocked.Increment(ref _clock)));
        }

        if (SilentFrom is { } silent && request.Phase >= silent && request.Phase != RestorePhase.Plan)
        {
            if (silent == RestorePhase.Check && request.Phase == RestorePhase.Rollback)
            {
                // Silent at the check, and it never opened its session: there is nothing to roll back.
                return PhaseAnswer.Failed(ErrorCodes.NoSession, $"no restore session '{request.Session}' on this member");
            }

            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        if (request.Phase == RestorePhase.WaitHealthy)
        {
            await Task.Delay(HealthyAfter, cancellationToken);
        }

        await Task.Yield();
        var steps = new[] { $"{name}: {request.Phase.Wire()}" };
        if (request.Phase == FailsAt)
        {
            return PhaseAnswer.Failed(ErrorCodes.Failed, $"{request.Phase.Wire()} broke on {name}");
        }

        var answer = request.Phase switch
        {
            RestorePhase.Plan => new PhaseResult
            {
                Phase = request.Phase, Steps = [],
                Plan = new PhasePlan
                {
                    Snapshot = "s", Command = "etcdutl", Problems = [], Present = true, Sha256 = ClusterRunTests.Sha256, Protocol = Protocol,
                    Parameters = new RestoreParameters(Sourced(name), Sourced("i"), Sourced("t"), Sourced("u"), Sourced("/var/lib/etcd")),
                },
            },
            RestorePhase.Check => new PhaseResult { Phase = request.Phase, Steps = steps, Check = new MemberCheck(name, leader, Command, Protocol) },
            RestorePhase.WaitHealthy => new PhaseResult { Phase = request.Phase, Steps = steps, Health = new MemberHealth(name, clusterId, "leader-1") },
            RestorePhase.Rollback => new PhaseResult
            {
                Phase = request.Phase, Steps = steps, Rollback = RollbackFails ? RollbackState.Incomplete : RollbackState.Complete,
            },
            RestorePhase.Finish => new PhaseResult { Phase = request.Phase, Steps = steps, OldDataDir = KeptAt.Data, OldWalDir = KeptAt.Wal },
            _ => new PhaseResult { Phase = request.Phase, Steps = steps },
        };
        AnsweredAt = Interlocked.Increment(ref _clock);
        return answer.Rollback == RollbackState.Incomplete
            ? PhaseAnswer.Failed(ErrorCodes.Failed, "the rollback was incomplete", answer)
            : PhaseAnswer.Of(answer);
    }

    private static Sourced Sourced(string value) => new(value, "stand-in");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
