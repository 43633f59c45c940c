using System.Globalization;
using EtcdBackupd.Protocol.Restore;
using EtcdBackupd.Protocol.Results;

namespace EtcdBackupctl;

/// <summary>The human form of each command's result.</summary>
internal static class Render
{
    public static string Status(StatusResult s)
    {
        var etcd = s.Etcd;
        var last = s.LastAttempt;
        var good = s.LastSuccess;
        return Table.Fields(
        [
            ("VERSION", s.Version),
            ("HEALTH", s.Health.Healthy ? "healthy" : "UNHEALTHY: " + string.Join("; ", s.Health.Problems.Select(p => p.Message))),
            ("NEWEST HELD", s.NewestSnapshot is { } held ? $"{Time(held.CreatedAt)} member {held.Member}, revision {held.Revision}, {Size(held.SizeBytes)}" : "none"),
            ("ETCD", etcd.Healthy ? $"healthy, {etcd.Endpoint} (etcd {etcd.Version}, member {etcd.Member})" : "UNHEALTHY: " + etcd.Error),
            ("LEADER", etcd.Healthy ? etcd.Leader + (etcd.IsLeader == true ? " (this member)" : "") : "-"),
            ("LAST SNAPSHOT", last is null ? "none since start" : last.Ok
                ? $"{Time(last.FinishedAt)} ok, revision {last.Revision}, {Size(last.SizeBytes)}"
                : $"{Time(last.FinishedAt)} FAILED: {last.Error}"),
            ("LAST GOOD", good is null ? "none since start" : $"{Time(good.FinishedAt)} {good.Path}"),
            ("RUNNING", s.Running ? "a snapshot is in progress" : "no"),
            ("NEXT", Time(s.NextScheduled)),
            ("SCHEDULES", string.Join(", ", s.Schedules) + $" ({s.TimeZone}), taken by {s.TakenBy}"),
            ("PEERS", s.Peers.Count == 0 ? "-" : string.Join("; ", s.Peers.Select(p => $"{p.Host}:{p.Port} {PeerState(p)}"))),
            ("RETENTION", $"{s.Retention.Days} days, at least {s.Retention.MinimumKept} kept"),
            ("PINNED", s.Pinned is { Count: > 0 } pinned ? string.Join("; ", pinned.Select(p => $"{p.Label}: {Path.GetFileName(p.Path)}")) : "none"),
            ("DIRECTORY", s.SnapshotDirectory),
        ]) + (s.RestoreSession is { } open ? Table.Fields([("RESTORE SESSION", Session(open))]) : "");
    }

    public static string Recovered(RecoveryResult r) =>
        Table.Fields([("SESSION", r.Session), ("DECISION", (r.DryRun ? "would " : "") + r.Decision.ToString().ToLowerInvariant()), ("BECAUSE", r.Reason)]) + "\n"
        + string.Join("\n", r.Members.Select(m => Table.Fields(
            m.Steps.Select(step => ("STEP", step))
                .Prepend(("STATE", m.State is null ? m.Error ?? "no record of the session" : Session(m.State)))
                .Prepend(("MEMBER", m.Member)))));

    /// <summary>"open, last done restore-data, coordinator X (lease 12 s), opened T".</summary>
    private static string Session(SessionState s) =>
        $"{s.Session}: {s.Outcome.ToString().ToLowerInvariant()}"
        + (s.Done.Count > 0 ? $", done: {string.Join(" ", s.Done.Select(p => p.Wire()))}" : "")
        + (s.Running is { } running ? $", running: {running.Wire()}" : "")
        + (s.Failed is { } failed ? $", failed: {failed.Wire()}" : "")
        + $", coordinator {Text(s.Coordinator)}" + (s.LeaseSecondsLeft > 0 ? $" (holds it {s.LeaseSecondsLeft} s more)" : "")
        + $", opened {Time(s.OpenedAt)}, snapshot {s.Snapshot}";

    public static string Snapshot(SnapshotReport r) =>
        Table.Fields(
        [
            ("PATH", Text(r.Path)), ("SIZE", Size(r.SizeBytes)), ("SHA256", Text(r.Sha256)),
            ("REVISION", Text(r.Revision)), ("CREATED", Time(r.CreatedAt)),
        ]) + (r.Peers.Count == 0 ? "" : Table.Render(["PEER", "COPY"], r.Peers.Select(p => (IReadOnlyList<string>)[$"{p.Host}:{p.Port}", PeerState(p)])))
        + (r.Pinned is { } pinned ? Pin(pinned) : "");

    public static string Pin(PinResult r) =>
        Table.Fields([("PATH", r.Path), ("PIN", r.Pin is { } pin ? $"{pin.Label} (since {Time(pin.PinnedAt)})" : "none: retention treats it like any other")])
        + (r.Peers.Count == 0 ? "" : Table.Render(["PEER", "MANIFEST"], r.Peers.Select(p => (IReadOnlyList<string>)
        [
            $"{p.Host}:{p.Port}", p.Ok ? (p.Skipped ? "ok (holds no copy; nothing sent)" : "ok (sent)") : "FAILED: " + p.Error,
        ])));

    public static string List(IReadOnlyList<ListEntry> list) =>
        Table.Render(["CREATED", "MEMBER", "REVISION", "SIZE", "VERIFIED", "PIN", "FILE"], list.Select(e => (IReadOnlyList<string>)
        [
            Time(e.CreatedAt), e.Member, Text(e.Revision), Size(e.SizeBytes), e.Verification.ToString().ToLowerInvariant(), e.Pin?.Label ?? "-", Path.GetFileName(e.Path),
        ]));

    public static string Verify(VerifyResult r) =>
        Table.Fields(new[] { ("PATH", r.Path), ("SIZEBYTES", Text(r.SizeBytes)), ("SHA256", r.Sha256), ("TRAILER", r.Trailer), ("MANIFEST", r.Manifest) }
            .Concat(Facts(r.Etcd)));

    public static string Imported(ImportResult r) =>
        Table.Fields(new[]
        {
            ("PATH", r.Path + (r.AlreadyHere ? " (already here, identical: nothing written)" : "")), ("FROM", r.Origin), ("SIZE", Size(r.SizeBytes)),
            ("SHA256", r.Sha256), ("REVISION", Text(r.Revision)), ("CREATED", Time(r.CreatedAt)),
            ("VERIFIED", "etcd's trailer and " + (r.HadManifest ? "the manifest beside it" : "etcd's snapshot status (no manifest came with it)")),
            ("PIN", r.Pin?.Label ?? "-"),
        }.Concat(Facts(r.Etcd)));

    /// <summary>What etcd's tool reported of a file without a manifest.</summary>
    private static IEnumerable<(string, string)> Facts(EtcdBackupd.Snapshots.SnapshotFacts? f) => f is null ? [] :
    [
        ("ETCD STATUS", $"{f.Tool}: hash {f.Hash}, revision {f.Revision}, {f.TotalKeys} keys, {Size(f.TotalSizeBytes)}" + (f.Version is null ? "" : $", etcd {f.Version}")),
    ];

    public static string Fetched(FetchResult r) =>
        Table.Fields(
        [
            ("PATH", r.Path + (r.AlreadyHere ? " (already here, identical: nothing downloaded)" : "")), ("SIZE", Size(r.SizeBytes)), ("SHA256", r.Sha256),
            ("REVISION", Text(r.Revision)), ("CREATED", Time(r.CreatedAt)), ("FROM", $"{r.Peer} {r.PeerDirectory}"), ("VERIFIED", "etcd's trailer and the manifest's SHA-256"),
        ]);

    public static string Prune(PruneResult r) => r.Deleted.Count == 0
        ? "nothing to delete: every snapshot is inside the retention window or among the last good ones\n"
        : Table.Render([r.DryRun ? "WOULD DELETE" : "DELETED", "REASON"], r.Deleted.Select(d => (IReadOnlyList<string>)[Path.GetFileName(d.Path), d.Reason]));

    public static string Peers(IReadOnlyList<PeerCheck> peers) =>
        Table.Render(["PEER", "REACHABLE", "HOST KEY", "DIRECTORY", "ERROR"], peers.Select(p => (IReadOnlyList<string>)
        [
            $"{p.User}@{p.Host}:{p.Port}", p.Reachable ? "true" : "false", p.HostKey?.ToString().ToLowerInvariant() ?? "-",
            p.Directory + (p.DirectoryExists == false ? " (missing)" : ""), Text(p.Error),
        ]));

    public static string Plan(RestorePlan r) => Table.Fields(ClusterFields(r.Cluster).Concat(PlanFields(r.Snapshot, r.Command, r.Parameters, r.Problems, r.Tool))
        .Concat(r.WithoutManifest is null ? [] : [("MANIFEST", "none: etcd's snapshot status stands in for it")]).Concat(Facts(r.WithoutManifest)));

    public static string Restored(LocalRestoreResult r) => Table.Fields(PlanFields(r.Snapshot, r.Command, r.Parameters, r.Problems, r.Tool)
        .Concat(r.Steps.Select(s => ("STEP", s)))
        .Append(("OLD DATA", Text(r.OldDataDir))));

    public static string ClusterPlan(ClusterPlan r) => string.Join("\n", r.Members.Select(m => m.Parameters is null
        ? Table.Fields([("MEMBER", m.Member), ("ERROR", Text(m.Error))])
        : Table.Fields(PlanFields(m.Snapshot!, m.Command!, m.Parameters, m.Problems ?? [], m.Tool)
            .Prepend(("PHASES", string.Join(", ", r.Phases))).Prepend(("COPY", Text(m.Copy))).Prepend(("MEMBER", m.Member))
            .Concat(m.Error is null ? [] : [("ERROR", m.Error)])))
        .Prepend(r.Cluster is null ? "" : Table.Fields(ClusterFields(r.Cluster)))
        .Prepend(r.WithoutManifest is null ? "" : Table.Fields(new[] { ("MANIFEST", "none: etcd's snapshot status stands in for it") }.Concat(Facts(r.WithoutManifest))))
        .Where(t => t.Length > 0));

    /// <summary>Whether the snapshot is of this cluster, in words; REFUSED when a real restore would stop on it.</summary>
    private static IEnumerable<(string, string)> ClusterFields(ClusterMatch? c) => c is null ? [] :
    [
        ("CLUSTER", (c.Refused ? "REFUSED: " : c.Verdict == ClusterVerdict.Unknown ? "WARNING: " : "") + c.Message),
        ("LINEAGE", c.Lineage.Count == 0 ? "-" : string.Join(", ", c.Lineage)),
    ];

    public static string ClusterRestored(ClusterRestoreResult r) =>
        string.Join("\n", r.Members.Select(m => Table.Fields(m.Steps.Select(s => ("STEP", s)).Prepend(("MEMBER", m.Member)))));

    private static IEnumerable<(string, string)> PlanFields(string snapshot, string command, RestoreParameters p, IReadOnlyList<string> problems, Sourced? tool) =>
        new[]
        {
            ("NAME", p.Name), ("INITIALCLUSTER", p.InitialCluster), ("INITIALCLUSTERTOKEN", p.InitialClusterToken),
            ("INITIALADVERTISEPEERURLS", p.InitialAdvertisePeerUrls), ("DATADIR", p.DataDir),
        }.Select(f => (f.Item1, $"{f.Item2.Value}  ({f.Item2.Source})"))
            .Prepend(("SNAPSHOT", snapshot))
            .Concat(tool is null ? [] : [("TOOL", $"{tool.Value}  ({tool.Source})")])
            .Append(("COMMAND", command))
            .Concat(problems.Select(problem => ("PROBLEM", problem)));

    private static string PeerState(PeerCopy p) => p.Ok ? (p.Skipped ? "ok (already there)" : "ok") : "FAILED: " + p.Error;

    private static string Size(long? bytes) => bytes switch
    {
        null => "-",
        >= 1L << 30 and var b => (b / (double)(1L << 30)).ToString("F1", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 and var b => (b / (double)(1L << 20)).ToString("F1", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 and var b => (b / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " KiB",
        var b => b + " B",
    };

    private static string Time(DateTimeOffset? time) => time?.ToString("O", CultureInfo.InvariantCulture) ?? "-";

    private static string Text(object? value) => value?.ToString() ?? "-";
}
