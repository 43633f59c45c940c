using System.Globalization;
using System.Text.Json.Nodes;

namespace EtcdBackupctl;

/// <summary>The human form of each command's result.</summary>
internal static class Render
{
    public static string Result(string command, JsonNode? result) => command switch
    {
        "status" => Status(result!.AsObject()),
        "snapshot" => Snapshot(result!.AsObject()),
        "list" => List(result!.AsArray()),
        "verify" => Table.Fields(result!.AsObject().Select(p => (p.Key.ToUpperInvariant(), Text(p.Value)))),
        "prune" => Prune(result!.AsObject()),
        "peers" => Peers(result!.AsArray()),
        "restore" => Restore(result!.AsObject()),
        _ => result?.ToJsonString() ?? "",
    };

    private static string Status(JsonObject s)
    {
        var etcd = s["etcd"]!.AsObject();
        var last = s["lastAttempt"] as JsonObject;
        var good = s["lastSuccess"] as JsonObject;
        return Table.Fields(
        [
            ("VERSION", Text(s["version"])),
            ("ETCD", etcd["healthy"]!.GetValue<bool>()
                ? $"healthy, {Text(etcd["endpoint"])} (etcd {Text(etcd["version"])}, member {Text(etcd["member"])})"
                : "UNHEALTHY: " + Text(etcd["error"])),
            ("LEADER", etcd["healthy"]!.GetValue<bool>() ? Text(etcd["leader"]) + (etcd["isLeader"]!.GetValue<bool>() ? " (this member)" : "") : "-"),
            ("LAST SNAPSHOT", last is null ? "none since start" : last["ok"]!.GetValue<bool>()
                ? $"{Text(last["finishedAt"])} ok, revision {Text(last["revision"])}, {Size(last["sizeBytes"])}"
                : $"{Text(last["finishedAt"])} FAILED: {Text(last["error"])}"),
            ("LAST GOOD", good is null ? "none since start" : $"{Text(good["finishedAt"])} {Text(good["path"])}"),
            ("RUNNING", s["running"]!.GetValue<bool>() ? "a snapshot is in progress" : "no"),
            ("NEXT", Text(s["nextScheduled"])),
            ("SCHEDULES", string.Join(", ", s["schedules"]!.AsArray().Select(Text)) + $" ({Text(s["timeZone"])}), taken by {Text(s["takenBy"])}"),
            ("PEERS", s["peers"]!.AsArray().Count == 0 ? "-" : string.Join("; ", s["peers"]!.AsArray().Select(PeerLine))),
            ("RETENTION", $"{Text(s["retention"]!["days"])} days, at least {Text(s["retention"]!["minimumKept"])} kept"),
            ("DIRECTORY", Text(s["snapshotDirectory"])),
        ]);
    }

    private static string Snapshot(JsonObject r) =>
        Table.Fields(
        [
            ("PATH", Text(r["path"])), ("SIZE", Size(r["sizeBytes"])), ("SHA256", Text(r["sha256"])),
            ("REVISION", Text(r["revision"])), ("CREATED", Text(r["createdAt"])),
        ]) + (r["peers"]!.AsArray().Count == 0 ? "" : Table.Render(["PEER", "COPY"], r["peers"]!.AsArray().Select(p => (IReadOnlyList<string>)[$"{Text(p!["host"])}:{Text(p["port"])}", PeerState(p)])));

    private static string List(JsonArray list) =>
        Table.Render(["CREATED", "MEMBER", "REVISION", "SIZE", "VERIFIED", "FILE"], list.Select(e => (IReadOnlyList<string>)
        [
            Text(e!["createdAt"]), Text(e["member"]), Text(e["revision"]), Size(e["sizeBytes"]), Text(e["verification"]),
            Path.GetFileName(Text(e["path"])),
        ]));

    private static string Prune(JsonObject r)
    {
        var deleted = r["deleted"]!.AsArray();
        var title = r["dryRun"]!.GetValue<bool>() ? "WOULD DELETE" : "DELETED";
        return deleted.Count == 0
            ? "nothing to delete: every snapshot is inside the retention window or among the last good ones\n"
            : Table.Render([title, "REASON"], deleted.Select(d => (IReadOnlyList<string>)[Path.GetFileName(Text(d!["path"])), Text(d["reason"])]));
    }

    private static string Peers(JsonArray peers) =>
        Table.Render(["PEER", "REACHABLE", "HOST KEY", "DIRECTORY", "ERROR"], peers.Select(p => (IReadOnlyList<string>)
        [
            $"{Text(p!["user"])}@{Text(p["host"])}:{Text(p["port"])}", Text(p["reachable"]), Text(p["hostKey"]),
            Text(p["directory"]) + (p["directoryExists"] is JsonValue e && !e.GetValue<bool>() ? " (missing)" : ""), Text(p["error"]),
        ]));

    private static string Restore(JsonObject r) => r["members"] is JsonArray members
        ? string.Join("\n", members.Select(m => ClusterMember(r, m!.AsObject())))
        : Table.Fields(RestoreFields(r));

    private static IEnumerable<(string, string)> RestoreFields(JsonObject r) =>
        r["parameters"]!.AsObject().Select(p => (p.Key.ToUpperInvariant(), $"{Text(p.Value!["value"])}  ({Text(p.Value["source"])})"))
            .Prepend(("SNAPSHOT", Text(r["snapshot"])))
            .Append(("COMMAND", Text(r["command"])))
            .Concat(r["problems"]!.AsArray().Select(p => ("PROBLEM", Text(p))))
            .Concat((r["steps"] as JsonArray ?? []).Select(s => ("STEP", Text(s))))
            .Append(("OLD DATA", Text(r["oldDataDir"])));

    /// <summary>One member of a cluster restore: its plan (a dry run) or its steps.</summary>
    private static string ClusterMember(JsonObject r, JsonObject m) => m["steps"] is JsonArray steps
        ? Table.Fields(steps.Select(s => ("STEP", Text(s))).Prepend(("MEMBER", Text(m["member"]))))
        : m["parameters"] is null
            ? Table.Fields([("MEMBER", Text(m["member"])), ("ERROR", Text(m["error"]))])
            : Table.Fields(RestoreFields(m).Prepend(("PHASES", string.Join(", ", r["phases"]!.AsArray().Select(Text))))
                .Prepend(("COPY", Text(m["copy"]))).Prepend(("MEMBER", Text(m["member"]))));

    private static string PeerLine(JsonNode? p) => $"{Text(p!["host"])}:{Text(p["port"])} {PeerState(p)}";

    private static string PeerState(JsonNode? p) =>
        p!["ok"]!.GetValue<bool>() ? (p["skipped"]!.GetValue<bool>() ? "ok (already there)" : "ok") : "FAILED: " + Text(p["error"]);

    private static string Size(JsonNode? bytes) => bytes is null ? "-" : bytes.GetValue<long>() switch
    {
        >= 1L << 30 and var b => (b / (double)(1L << 30)).ToString("F1", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 and var b => (b / (double)(1L << 20)).ToString("F1", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 and var b => (b / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " KiB",
        var b => b + " B",
    };

    private static string Text(JsonNode? node) => node switch
    {
        null => "-",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };
}
