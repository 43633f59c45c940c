using EtcdBackupd.Protocol.Results;

namespace EtcdBackupctl;

/// <summary>
/// The human form of each command's result: headers in words, times with their age, sizes in MiB/GiB; within
/// <see cref="Table.Width"/> columns, and with <c>--wide</c> every field of the result.
/// </summary>
internal static partial class Render
{
    public static string Status(StatusResult s, View v)
    {
        var etcd = s.Etcd;
        var last = s.LastAttempt;
        var good = s.LastSuccess;
        IEnumerable<(string, string)> fields =
        [
            ("VERSION", "etcd-backupd " + s.Version),
            ("HEALTH", s.Health.Healthy ? "healthy" : "UNHEALTHY: " + string.Join("; ", s.Health.Problems.Select(p => p.Message))),
            ("NEWEST SNAPSHOT", Held(s.NewestSnapshot, v)),
            ("NEWEST OWN", s.NewestOwnSnapshot is not null && s.NewestOwnSnapshot == s.NewestSnapshot && !v.Wide ? "the same" : Held(s.NewestOwnSnapshot, v)),
            ("ETCD", etcd.Healthy ? $"healthy, {etcd.Endpoint} (etcd {etcd.Version}, member {etcd.Member})" : "UNHEALTHY: " + etcd.Error),
            ("LEADER", etcd.Healthy ? etcd.Leader + (etcd.IsLeader == true ? " (this member)" : "") : "-"),
        ];
        if (v.Wide && etcd.Healthy)
        {
            fields = fields.Append(("ETCD REVISION", Text(etcd.Revision))).Append(("ETCD DATABASE", Size.Format(etcd.DbSizeBytes, v)));
        }

        fields = fields.Concat(
        [
            ("LAST SNAPSHOT", last is null ? "none since start" : last.Ok
                ? $"{When.Format(last.FinishedAt, v)}: ok, revision {last.Revision}, {Size.Format(last.SizeBytes, v)}"
                : $"{When.Format(last.FinishedAt, v)}: FAILED: {last.Error}"),
        ]);
        if (v.Wide && last is not null)
        {
            fields = fields.Concat(AttemptDetails(last, v));
        }

        return Table.Fields(v, fields.Concat(
        [
            ("LAST GOOD", good is null ? "none since start" : $"{When.Format(good.FinishedAt, v)}: {FileName(good.Path, v)}"),
            ("RUNNING", s.Running ? "a snapshot is in progress" : "no"),
            ("NEXT", s.NextScheduled is null ? "none scheduled" : When.Format(s.NextScheduled, v)),
            ("SCHEDULES", string.Join(", ", s.Schedules) + $" ({s.TimeZone}), taken by {s.TakenBy}"),
            .. s.PeerRecords.Count == 0 && s.Peers.Count == 0 ? [("PEERS", "none configured")] : Peers(s, v),
            .. Offsite(s, v),
            ("RETENTION", $"{s.Retention.Days} days, at least {s.Retention.MinimumKept} kept"),
            ("PINNED", s.Pinned is { Count: > 0 } pinned
                ? string.Join("\n", pinned.Select(p => $"{p.Label}: {FileName(p.Path, v)}" + (v.Wide ? $", since {When.Format(p.PinnedAt, v)}" : "")))
                : "none"),
            ("CERTIFICATE", s.ClientCertificateExpiresAt is { } expires ? "etcd client certificate expires " + When.Format(expires, v) : "none (no Etcd.CertFile)"),
            ("DIRECTORY", s.SnapshotDirectory),
        ])) + (s.RestoreSession is { } open ? Table.Fields(v, [("RESTORE SESSION", Session(open, v))]) : "");
    }

    /// <summary>One line per peer: the last attempt's copy, the last that reached it, failures since the record began.</summary>
    private static IEnumerable<(string, string)> Peers(StatusResult s, View v)
    {
        var records = s.PeerRecords.ToDictionary(r => r.Peer);
        var names = s.PeerRecords.Select(r => r.Peer).Union(s.Peers.Where(p => !s.PeerRecords.Any(r => p.IsOf(r.Peer))).Select(p => $"{p.Host}:{p.Port}"));
        return names.Select(name =>
        {
            var copy = s.Peers.FirstOrDefault(p => p.IsOf(name));
            var record = records.GetValueOrDefault(name);
            var state = copy is not null ? PeerState(copy)
                : record?.LastOk is { } ok ? (ok ? "ok" : "FAILED: " + record.LastError) : "no copy attempted yet";
            var since = record?.LastSuccessAt is { } at ? $"; last copy {When.Format(at, v)}" : record is null ? "" : "; no copy has reached it";
            var failures = record is { Failures: > 0 } || (v.Wide && record is not null) ? $"; {record!.Failures} failed" : "";
            var attempt = v.Wide && record?.LastAttemptAt is { } tried ? $"; last attempt {When.Format(tried, v)}" : "";
            return ("PEER", $"{name}: {state}{since}{attempt}{failures}");
        });
    }

    /// <summary>One line per off-site target: its last upload from this master, the last that reached it, failures since the record began.</summary>
    private static IEnumerable<(string, string)> Offsite(StatusResult s, View v) => (s.OffsiteRecords ?? []).Select(r =>
    {
        var state = r.LastOk switch { true => "ok", false => "FAILED: " + r.LastError, null => "no upload from this master yet" };
        var since = r.LastSuccessAt is { } at ? $"; last copy {When.Format(at, v)}" : r.LastAttemptAt is null ? "" : "; no copy has reached it";
        var failures = r.Failures > 0 || (v.Wide && r.LastAttemptAt is not null) ? $"; {r.Failures} failed" : "";
        var attempt = v.Wide && r.LastAttemptAt is { } tried ? $"; last attempt {When.Format(tried, v)}" : "";
        return ("OFFSITE", $"{r.Target}: {state}{since}{attempt}{failures}");
    });

    private static string Held(HeldSnapshot? held, View v) => held is null ? "none"
        : $"{When.Format(held.CreatedAt, v)}, member {held.Member}, revision {held.Revision}, {Size.Format(held.SizeBytes, v)}"
            + (v.Wide ? $", {held.Path}" : "");

    /// <summary>What <c>--wide</c> adds about an attempt: its file, hash, why and how long it took, and the kind of a failure.</summary>
    private static IEnumerable<(string, string)> AttemptDetails(SnapshotReport r, View v) =>
    [
        ("LAST FILE", Text(r.Path)), ("LAST SHA-256", Text(r.Sha256)), ("LAST CREATED", When.Format(r.CreatedAt, v)),
        ("LAST REASON", r.Reason), ("LAST DURATION", $"{r.DurationSeconds:0.###} s"), ("LAST FAILURE", Text(r.Failure)),
        ("LAST UNCHANGED", r.Unchanged is true ? "yes: etcd had not changed, no new file" : "no"),
    ];

    public static string Snapshot(SnapshotReport r, View v) =>
        Table.Fields(v,
        [
            ("FILE", v.Wide ? Text(r.Path) : FileName(r.Path, v) + (r.Unchanged is true ? " (etcd unchanged: no new file)" : "")),
            ("SIZE", Size.Format(r.SizeBytes, v)), ("SHA-256", Text(r.Sha256)), ("REVISION", Text(r.Revision)), ("CREATED", When.Format(r.CreatedAt, v)),
            .. v.Wide ? AttemptDetails(r, v).Skip(3).Select(f => (f.Item1[5..], f.Item2)).Prepend(("FINISHED", When.Format(r.FinishedAt, v))) : [],
        ])
        + (r.Peers.Count == 0 ? "" : Table.Render(v, [new Column("PEER", Whole: true), "COPY"], r.Peers.Select(p => (IReadOnlyList<string>)[PeerName(p, r.Peers), PeerState(p)])))
        + (r.Offsite is not { Count: > 0 } offsite ? "" : Table.Render(v, [new Column("OFFSITE", Whole: true), "COPY"],
            offsite.Select(o => (IReadOnlyList<string>)[o.Target, o.Ok ? (o.Skipped ? "already there" : "ok") + (v.Wide ? $", {o.Key}" : "") : "FAILED: " + o.Error])))
        + (r.Pinned is { } pinned ? Pin(pinned, v) : "");

    public static string Pin(PinResult r, View v) =>
        Table.Fields(v, [("FILE", v.Wide ? r.Path : FileName(r.Path, v)), ("PIN", r.Pin is { } pin
            ? $"{pin.Label} (since {When.Format(pin.PinnedAt, v)})" : "none: retention treats it like any other")])
        + (r.Peers.Count == 0 ? "" : Table.Render(v, [new Column("PEER", Whole: true), "MANIFEST"], r.Peers.Select(p => (IReadOnlyList<string>)
        [
            PeerName(p, r.Peers), p.Ok ? (p.Skipped ? "ok (holds no copy; nothing sent)" : "ok (sent)") : Owed(p),
        ])));

    /// <summary>A send a peer did not take is owed, and the daemon makes it again: the operator need not.</summary>
    private static string Owed(PeerCopy p) => $"FAILED: {p.Error} (owed: the daemon sends it again every Peers.RetrySeconds until it arrives)";

    /// <summary>The file name carries the time, member and revision; the age and state beside it; <c>--wide</c> every field.</summary>
    public static string List(IReadOnlyList<ListEntry> list, View v) => v.Wide
        ? Table.Render(v, ["CREATED", "MEMBER", "REVISION", "SIZE", "VERIFIED", "PIN", "SHA-256", "NOTE", "PATH"], list.Select(e => (IReadOnlyList<string>)
        [
            When.Format(e.CreatedAt, v), e.Member, Text(e.Revision), Size.Format(e.SizeBytes, v), Verified(e),
            e.Pin is { } pin ? $"{pin.Label} (since {When.Format(pin.PinnedAt, v)})" : "-", Text(e.Sha256), Text(e.Note), e.Path,
        ]))
        : Table.Render(v, [new Column("FILE", Whole: true), "AGE", "SIZE", "VERIFIED"], list.Select(e => (IReadOnlyList<string>)
        [
            Path.GetFileName(e.Path) + (e.Pin is { } pin ? $"\npinned: {pin.Label}" : ""), When.Age(e.CreatedAt, v.Now), Size.Format(e.SizeBytes, v),
            Verified(e) + (e.Note is { } note ? ": " + note : ""),
        ]));

    private static string Verified(ListEntry e) => e.Verification switch
    {
        Verification.Ok => "ok",
        Verification.Corrupt => "CORRUPT",
        Verification.Unchecked => "unchecked",
        _ => "skipped",
    };

    public static string Imported(ImportResult r, View v) =>
        Table.Fields(v, new[]
        {
            ("FILE", (v.Wide ? r.Path : FileName(r.Path, v)) + (r.AlreadyHere ? " (already here, identical: nothing written)" : "")), ("FROM", r.Origin),
            ("SIZE", Size.Format(r.SizeBytes, v)), ("SHA-256", r.Sha256), ("REVISION", Text(r.Revision)), ("CREATED", When.Format(r.CreatedAt, v)),
            ("VERIFIED", "etcd's trailer and " + (r.HadManifest ? "the manifest beside it" : "etcd's snapshot status (no manifest came with it)")),
            ("PIN", r.Pin?.Label ?? "-"),
        }.Concat(r.RetentionRemoves ? [("RETENTION", "removes it at its next run, here and on the peers (older than Snapshots.RetentionDays): etcd-backupctl pin FILE LABEL keeps it")] : [])
        .Concat(Facts(r.Etcd, v)))
        + (r.Peers.Count == 0 ? "" : Table.Render(v, [new Column("PEER", Whole: true), "COPY"], r.Peers.Select(p => (IReadOnlyList<string>)
        [
            PeerName(p, r.Peers), p.Ok ? (p.Skipped ? "ok (already there)" : "ok") : Owed(p),
        ])));

    /// <summary>What etcd's tool reported of a file without a manifest.</summary>
    private static IEnumerable<(string, string)> Facts(EtcdBackupd.Snapshots.SnapshotFacts? f, View v) => f is null ? [] :
    [
        ("ETCD STATUS", $"{f.Tool}: hash {f.Hash}, revision {f.Revision}, {f.TotalKeys} keys, {Size.Format(f.TotalSizeBytes, v)}" + (f.Version is null ? "" : $", etcd {f.Version}")),
    ];

    public static string Verify(VerifyResult r, View v) =>
        Table.Fields(v, [("FILE", v.Wide ? r.Path : FileName(r.Path, v)), ("SIZE", Size.Format(r.SizeBytes, v)), ("SHA-256", r.Sha256),
            ("TRAILER", r.Trailer), ("MANIFEST", r.Manifest), .. Facts(r.Etcd, v)]);

    public static string Fetched(FetchResult r, View v) =>
        Table.Fields(v,
        [
            ("FILE", (v.Wide ? r.Path : FileName(r.Path, v)) + (r.AlreadyHere ? " (already here, identical: nothing downloaded)" : "")),
            ("SIZE", Size.Format(r.SizeBytes, v)), ("SHA-256", r.Sha256), ("REVISION", Text(r.Revision)), ("CREATED", When.Format(r.CreatedAt, v)),
            ("FROM", r.Offsite is { } o
                ? $"off-site target {o.Target}, bucket {o.Bucket}, object {o.Key}" + (o.ClusterChecked ? "" : " (no cluster ID known here: taken on its prefix alone)")
                : $"{r.Peer}, {r.PeerDirectory}"),
            ("VERIFIED", (r.Offsite is { } d ? (d.Encrypted ? "decrypted, " : "") + (d.Compression == "zstd" ? "decompressed, " : "") : "") + "etcd's trailer and the manifest's SHA-256"),
        ]);

    public static string Prune(PruneResult r, View v) => r.Deleted.Count == 0
        ? "nothing to delete: every snapshot is inside the retention window or among the last good ones\n"
        : Table.Render(v, [new Column(r.DryRun ? "WOULD DELETE" : "DELETED", Whole: true), "WHY"],
            r.Deleted.Select(d => (IReadOnlyList<string>)[v.Wide ? d.Path : Path.GetFileName(d.Path), d.Reason]));

    public static string Peers(IReadOnlyList<PeerCheck> peers, View v) => v.Wide
        ? Table.Render(v, ["PEER", "USER", "REACHABLE", "HOST KEY", "DIRECTORY", "DIRECTORY THERE", "ERROR"], peers.Select(p => (IReadOnlyList<string>)
        [
            $"{p.Host}:{p.Port}", p.User, YesNo(p.Reachable), p.HostKey?.ToString().ToLowerInvariant() ?? "-", p.Directory,
            p.DirectoryExists is { } exists ? YesNo(exists) : "-", Text(p.Error),
        ]))
        : Table.Render(v, [new Column("PEER", Whole: true), "STATE"], peers.Select(p => (IReadOnlyList<string>)
        [
            $"{p.User}@{p.Host}:{p.Port}",
            (p.Reachable, p.HostKey) switch
            {
                (false, _) => "UNREACHABLE",
                (true, HostKeyState.Refused) => "HOST KEY REFUSED",
                (true, HostKeyState.Ok) => "ok, host key as pinned",
                _ => "reachable",
            } + (p.DirectoryExists == false ? $"; its directory {p.Directory} is MISSING" : "") + (p.Error is { } error ? ": " + error : ""),
        ]));

    public static string Check(CheckResult r, View v) => CheckTable.Render(r, v);

    /// <summary><c>host:port</c>, with the directory when another copy in the list went to the same host and port (targets behind one sshd).</summary>
    private static string PeerName(PeerCopy p, IReadOnlyList<PeerCopy> all) =>
        p.Directory is { } directory && all.Count(o => o.Host == p.Host && o.Port == p.Port) > 1 ? $"{p.Host}:{p.Port}{directory}" : $"{p.Host}:{p.Port}";

    private static string PeerState(PeerCopy p) => p.Ok ? (p.Skipped ? "ok (already there)" : "ok") : "FAILED: " + p.Error;

    /// <summary>The file's name; its directory is the snapshot directory that <c>status</c> names (the whole path with <c>--wide</c>).</summary>
    private static string FileName(string? path, View v) => path is null ? "-" : v.Wide ? path : Path.GetFileName(path);

    private static string YesNo(bool value) => value ? "yes" : "no";

    private static string Text(object? value) => value?.ToString() ?? "-";
}
