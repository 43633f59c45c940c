using EtcdBackupd.Protocol.Results;

namespace EtcdBackupctl;

/// <summary>The off-site read-back's results: one row per target for <c>verify --offsite</c>, one table per target for <c>list --offsite</c>.</summary>
internal static partial class Render
{
    public static string OffsiteVerify(OffsiteVerifyResult r, View v) =>
        Table.Fields(v, [("FILE", r.File)])
        + Table.Render(v, v.Wide ? [new Column("TARGET", Whole: true), "VERDICT", "OBJECT", "SIZE", "SHA-256", "PROBLEM"] : [new Column("TARGET", Whole: true), "OBJECT"],
            r.Targets.Select(t => (IReadOnlyList<string>)(v.Wide
                ? [t.Target, Verdict(t.Verdict), Text(t.Key), Size.Format(t.SizeBytes, v), Text(t.Sha256), Text(t.Problem)]
                : [t.Target, t.Verdict == OffsiteVerdict.Ok ? $"ok: {t.Key}, {Size.Format(t.SizeBytes, v)}, as its manifest records" : $"{Verdict(t.Verdict)}: {t.Problem}"])));

    private static string Verdict(OffsiteVerdict verdict) => verdict switch
    {
        OffsiteVerdict.Ok => "ok",
        OffsiteVerdict.Mismatch => "MISMATCH",
        OffsiteVerdict.Missing => "MISSING",
        _ => "UNREADABLE",
    };

    public static string OffsiteList(OffsiteListResult r, View v) => string.Concat(r.Targets.Select(t =>
        $"{t.Target}: bucket {t.Bucket}, prefix {t.Prefix}" + (t.ClusterChecked ? "" : " (no cluster ID known here: every manifest under the prefix counts as ours)") + "\n"
        + (t.Error is { } error ? $"  UNREADABLE: {error}\n"
            : t.Entries.Count == 0 ? "  nothing under the prefix\n"
            : v.Wide ? Table.Render(v, ["CREATED", "MEMBER", "REVISION", "SIZE", "STORED", "CODEC", "STATE", "CLUSTER", "PIN", "SHA-256", "KEY"],
                t.Entries.Select(e => (IReadOnlyList<string>)
                [
                    When.Format(e.CreatedAt, v), Text(e.Member), Text(e.Revision), Size.Format(e.SizeBytes, v), Size.Format(e.StoredBytes, v), Codec(e),
                    State(e), Text(e.ClusterId), e.Pin is { } pin ? $"{pin.Label} (since {When.Format(pin.PinnedAt, v)})" : "-", Text(e.Sha256), e.Key,
                ]))
            // The stored size goes with the state: a fourth column would leave a file name too little room to stay whole.
            : Table.Render(v, [new Column("FILE", Whole: true), "AGE", "STATE"], t.Entries.Select(e => (IReadOnlyList<string>)
                [
                    (e.File ?? e.Key[t.Prefix.Length..]) + (e.Pin is { } pin ? $"\npinned: {pin.Label}" : ""),
                    e.CreatedAt is { } at ? When.Age(at, v.Now) : "-",
                    State(e) + (e.State == OffsiteEntryState.Ok ? $", {Codec(e)}, {Size.Format(e.StoredBytes, v)} stored" : ""),
                ])))));

    private static string Codec(OffsiteListEntry e) => e.Compression is null ? "-"
        : (e.Compression == "none" ? "raw" : e.Compression) + (e.Recipients is { Count: > 0 } ? " + age" : "");

    private static string State(OffsiteListEntry e) => e.State switch
    {
        OffsiteEntryState.Ok => "ok",
        OffsiteEntryState.OtherCluster => $"OTHER CLUSTER ({e.ClusterId}): not fetched, not pruned",
        OffsiteEntryState.ObjectMissing => "OBJECT MISSING: only its manifest is there",
        OffsiteEntryState.SizeDiffers => $"SIZE DIFFERS from its manifest's; verify --offsite {e.File}",
        OffsiteEntryState.NoManifest => "no manifest names it: not ours, left alone",
        _ => "not a manifest of ours, left alone",
    };
}
