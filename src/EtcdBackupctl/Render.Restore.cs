using EtcdBackupd.Protocol.Restore;

namespace EtcdBackupctl;

/// <summary>Restore plans, results and recoveries: etcd's restore flags under names in words, each with where it came from.</summary>
internal static partial class Render
{
    public static string Plan(RestorePlan r, View v) =>
        Table.Fields(v, ClusterFields(r.Cluster).Concat(PlanFields(r.Snapshot, r.Command, r.Parameters, r.Problems, r.Tool, v)).Concat(WithoutManifest(r.WithoutManifest, v)));

    /// <summary>A file without a manifest: what stands in for it.</summary>
    private static IEnumerable<(string, string)> WithoutManifest(EtcdBackupd.Snapshots.SnapshotFacts? facts, View v) => facts is null ? [] :
        Facts(facts, v).Prepend(("MANIFEST", "none: etcd's snapshot status stands in for it"));

    public static string Restored(LocalRestoreResult r, View v) => Table.Fields(v, PlanFields(r.Snapshot, r.Command, r.Parameters, r.Problems, r.Tool, v)
        .Concat(r.Steps.Select(s => ("STEP", s)))
        .Append(("OLD DATA", Text(r.OldDataDir)))
        .Concat(r.OldWalDir is null ? [] : [("OLD WAL", r.OldWalDir)]));

    public static string ClusterPlan(ClusterPlan r, View v) => string.Join("\n", r.Members.Select(m => m.Parameters is null
        ? Table.Fields(v, [("MEMBER", m.Member), ("ERROR", Text(m.Error))])
        : Table.Fields(v, PlanFields(m.Snapshot!, m.Command!, m.Parameters, m.Problems ?? [], m.Tool, v)
            .Prepend(("PHASES", string.Join(", ", r.Phases))).Prepend(("COPY", Text(m.Copy))).Prepend(("MEMBER", m.Member))
            .Concat(v.Wide ? [("HOLDS IT", m.Present is { } present ? YesNo(present) : "-"), ("ITS SHA-256", Text(m.Sha256)), ("PROTOCOL", Text(m.Protocol))] : [])
            .Concat(m.Error is null ? [] : [("ERROR", m.Error)])))
        .Prepend(r.Cluster is null && !v.Wide ? "" : Table.Fields(v,
        [
            .. v.Wide ? [("SNAPSHOT", r.Snapshot), ("SHA-256", Text(r.Sha256)), ("DRY RUN", YesNo(r.DryRun))] : Array.Empty<(string, string)>(),
            .. ClusterFields(r.Cluster),
        ])).Prepend(r.WithoutManifest is null ? "" : Table.Fields(v, WithoutManifest(r.WithoutManifest, v))).Where(t => t.Length > 0));

    public static string ClusterRestored(ClusterRestoreResult r, View v) =>
        (v.Wide ? Table.Fields(v, [("SNAPSHOT", r.Snapshot), ("SHA-256", r.Sha256)]) + "\n" : "")
        + string.Join("\n", r.Members.Select(m => Table.Fields(v, m.Steps.Select(s => ("STEP", s)).Prepend(("MEMBER", m.Member)))));

    public static string Recovered(RecoveryResult r, View v) =>
        Table.Fields(v, [("SESSION", r.Session), ("DECISION", (r.DryRun ? "would " : "") + Decision(r.Decision)), ("BECAUSE", r.Reason)]) + "\n"
        + string.Join("\n", r.Members.Select(m => Table.Fields(v,
            m.Steps.Select(step => ("STEP", step))
                .Prepend(("STATE", m.State is null ? m.Error ?? "no record of the session" : Session(m.State, v)))
                .Prepend(("MEMBER", m.Member)))));

    private static string Decision(RecoveryDecision d) => d switch
    {
        RecoveryDecision.Finish => "finish on every member",
        RecoveryDecision.RollBack => "roll back every member",
        _ => "do nothing",
    };

    /// <summary>"open, done: check stop-api, coordinator X (holds it 12 s more), opened T, snapshot S".</summary>
    private static string Session(SessionState s, View v) =>
        $"{s.Session}: {s.Outcome.ToString().ToLowerInvariant()}"
        + (s.Done.Count > 0 ? $", done: {string.Join(" ", s.Done.Select(p => p.Wire()))}" : "")
        + (s.Running is { } running ? $", running: {running.Wire()}" : "")
        + (s.Failed is { } failed ? $", failed: {failed.Wire()}" : "")
        + $", coordinator {Text(s.Coordinator)}" + (s.LeaseSecondsLeft > 0 ? $" (holds it {s.LeaseSecondsLeft} s more)" : "")
        + $", opened {When.Format(s.OpenedAt, v)}, snapshot {s.Snapshot}" + (v.Wide ? $", SHA-256 {Text(s.Sha256)}" : "");

    /// <summary>Whether the snapshot is of this cluster, in words; REFUSED when a real restore would stop on it.</summary>
    private static IEnumerable<(string, string)> ClusterFields(ClusterMatch? c) => c is null ? [] :
    [
        ("CLUSTER", (c.Refused ? "REFUSED: " : c.Verdict == ClusterVerdict.Unknown ? "WARNING: " : "") + c.Message),
        ("LINEAGE", c.Lineage.Count == 0 ? "-" : string.Join(", ", c.Lineage)),
    ];

    /// <summary>The restore tool's flags, each named in words with the flag and where its value came from.</summary>
    private static IEnumerable<(string, string)> PlanFields(
        string snapshot, string command, RestoreParameters p, IReadOnlyList<string> problems, Sourced? tool, View v) =>
        new[]
        {
            ("MEMBER NAME", p.Name), ("INITIAL CLUSTER", p.InitialCluster), ("CLUSTER TOKEN", p.InitialClusterToken),
            ("PEER URLS", p.InitialAdvertisePeerUrls), ("DATA DIRECTORY", p.DataDir),
        }.Select(f => (f.Item1, Sourced(f.Item2)))
            .Prepend(("SNAPSHOT", v.Wide ? snapshot : Path.GetFileName(snapshot)))
            .Concat(tool is null ? [] : [("TOOL", Sourced(tool))])
            .Append(("COMMAND", command))
            .Concat(problems.Select(problem => ("PROBLEM", problem)));

    private static string Sourced(Sourced s) => (s.Value.Length == 0 ? "(none)" : s.Value) + $" ({s.Source})";
}
