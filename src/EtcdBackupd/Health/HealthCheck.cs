using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EtcdBackupd.Configuration;
using EtcdBackupd.Etcd;
using EtcdBackupd.Lineage;
using EtcdBackupd.Peers;
using EtcdBackupd.State;

namespace EtcdBackupd.Health;

/// <summary>Gathers the verdict's inputs (etcd, the directory, the copy ledger, the client certificate) and judges them.</summary>
internal sealed class HealthCheck(
    EtcdOptions etcd, Live<HealthOptions> health, Live<PeersOptions> peers, SnapshotDirectory directory, SnapshotVerifier verifier,
    CopyLedger ledger, TimeProvider time, ILogger<HealthCheck> logger, Offsite.OffsiteOptions? offsite = null, ClusterLineage? lineage = null,
    Live<Schedule.ScheduleOptions>? schedule = null) : IDisposable
{
    /// <summary>One scan at a time: a status request during the first start-up read waits for it instead of reading the same file.</summary>
    private readonly SemaphoreSlim _scan = new(1, 1);

    private string? _ownMemberId;

    public async Task<HealthView> EvaluateAsync(EtcdProbeResult probe, CancellationToken cancellationToken)
    {
        _ownMemberId = probe.MemberId ?? _ownMemberId;
        Held held;
        await _scan.WaitAsync(cancellationToken);
        try
        {
            var clusters = (lineage?.Known() ?? []).ToHashSet(StringComparer.Ordinal);
            held = await Task.Run(() => HeldSnapshots.Scan(directory, verifier, _ownMemberId, Environment.MachineName, time.GetUtcNow(), clusters, cancellationToken), cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            HealthLog.DirectoryUnreadable(logger, directory.Path, e.Message);
            held = new Held(null, null);
        }
        finally
        {
            _scan.Release();
        }

        var records = ledger.Read().ToDictionary(r => r.Peer);
        IReadOnlyList<PeerRecord> configured =
        [
            // The peers in force: a reload that changes Peers.Targets changes which copies the verdict judges.
            .. peers.Current.Targets.Select(t => CopyLedger.PeerKey(t, peers.Current.Targets)).Distinct()
                .Select(key => records.GetValueOrDefault(key) ?? new PeerRecord
                {
                    Peer = key, LastSuccessAt = null, LastAttemptAt = null, LastOk = null, LastError = null, Failures = 0,
                }),
        ];
        var uploads = ledger.ReadOffsite().ToDictionary(r => r.Target);
        IReadOnlyList<OffsiteRecord> targets =
        [
            .. (offsite?.Targets ?? []).Select(t => uploads.GetValueOrDefault(t.Name) ?? new OffsiteRecord
            {
                Target = t.Name, LastSuccessAt = null, LastAttemptAt = null, LastOk = null, LastError = null, Failures = 0,
            }),
        ];
        var expiry = CertificateExpiry();
        var now = time.GetUtcNow();
        var inputs = new HealthInputs(probe.Health, held.Newest, configured, expiry)
        {
            NewestOwnSnapshot = held.NewestOwn, Offsite = targets,
            FollowerUnderLeader = schedule?.Current.TakenBy == Schedule.TakenBy.Leader && probe.Health.IsLeader == false,
        };
        // Read at each evaluation: its default threshold follows Snapshots.Schedules, which a reload may change.
        var options = health.Current;
        var report = HealthVerdict.Judge(inputs, options, now);
        return new HealthView(report, probe.Health, held.Newest, held.NewestOwn, configured, expiry, now) { Offsite = targets, MaxSnapshotAge = options.MaxSnapshotAge };
    }

    public void Dispose() => _scan.Dispose();

    /// <summary>Read at every check: a renewed certificate counts as soon as its file is replaced.</summary>
    private DateTimeOffset? CertificateExpiry()
    {
        if (etcd.CertFile is not { } path)
        {
            return null;
        }

        try
        {
            using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(path));
            return new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            HealthLog.CertificateUnreadable(logger, path, e.Message);
            return null;
        }
    }
}
