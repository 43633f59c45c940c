using System.Text.Json.Nodes;
using EtcdBackupd.Peers;
using EtcdBackupd.Snapshots;
using Microsoft.Extensions.Logging;
using static EtcdBackupd.Control.ControlProtocol;

namespace EtcdBackupd.Restore;

/// <summary>
/// The runbook's restore across the whole cluster, from any one master: this node and every entry of
/// <c>Peers.Targets</c>. The same snapshot (by SHA-256) is put on every member first; then each phase runs
/// on every member in parallel and all must finish it before the next starts (stop the API servers
/// everywhere, stop etcd everywhere, restore every member, start etcd everywhere, wait for one leader and
/// one cluster ID, start the API servers). A failure anywhere rolls back every member that got that far.
/// </summary>
internal sealed class ClusterRestore(PeersOptions peers, MemberPhases local, TimeProvider time, ILogger logger)
{
    private static readonly string[] Phases = ["stop-api", "stop-etcd", "restore-data", "start-etcd", "wait-healthy", "start-api"];

    public async Task<JsonObject> RunAsync(string path, bool dryRun, Action<string, string> progress, CancellationToken cancellationToken)
    {
        var name = Path.GetFileName(path);
        var members = new List<IRestoreMember> { new LocalMember(local, path) };
        try
        {
            if (dryRun)
            {
                return await PlanAsync(path, members, cancellationToken);
            }

            if (!File.Exists(path) || !File.Exists(SnapshotFileName.ManifestOf(path)))
            {
                return Error(Codes.NotFound, $"'{path}' or its manifest does not exist here; nothing was stopped");
            }

            progress("this master", "checking the snapshot");
            var (trailerOk, sha256) = EtcdTrailer.Check(path, cancellationToken);
            var manifest = SnapshotManifest.TryRead(SnapshotFileName.ManifestOf(path));
            if (!trailerOk || manifest is null || manifest.Sha256 != sha256)
            {
                return Error(Codes.Failed, $"'{path}' " + (!trailerOk ? "fails etcd's SHA-256 trailer check" : manifest is null ? "has an unreadable manifest" : "differs from its manifest") + "; nothing was stopped");
            }

            var unreachable = await ConnectAsync(members, cancellationToken);
            if (unreachable.Count > 0)
            {
                return Error(Codes.Failed, "cannot reach every member, nothing was stopped: " + string.Join("; ", unreachable));
            }

            if (await PlaceEverywhereAsync(new SnapshotResult(path, manifest), progress, cancellationToken) is { } missing)
            {
                return Error(Codes.Failed, missing + "; nothing was stopped");
            }

            return await DriveAsync(members, name, sha256, progress, cancellationToken);
        }
        finally
        {
            foreach (var member in members)
            {
                await member.DisposeAsync();
            }
        }
    }

    /// <summary>Every member's plan and whether it holds the snapshot; unreachable members are reported, nothing changes.</summary>
    private async Task<JsonObject> PlanAsync(string path, List<IRestoreMember> members, CancellationToken cancellationToken)
    {
        var unreachable = await ConnectAsync(members, cancellationToken);
        var request = new JsonObject { ["command"] = "restore-phase", ["phase"] = "plan", ["session"] = "dry-run", ["file"] = Path.GetFileName(path) };
        var answers = await Task.WhenAll(members.Select(m => m.CallAsync(request.DeepClone().AsObject(), cancellationToken)));
        var sha256 = answers[0]["result"]?["sha256"]?.GetValue<string>();
        var plans = new JsonArray();
        for (var i = 0; i < members.Count; i++)
        {
            var plan = answers[i]["ok"]!.GetValue<bool>() ? answers[i]["result"]!.DeepClone().AsObject() : new JsonObject { ["error"] = answers[i]["error"]!["message"]!.DeepClone() };
            plan["member"] = members[i].Name;
            plan["copy"] = plan["present"]?.GetValue<bool>() != true ? "missing: would be pushed"
                : plan["sha256"]?.GetValue<string>() == sha256 ? "same snapshot" : "differs: would be replaced";
            plans.Add((JsonNode)plan);
        }

        foreach (var problem in unreachable)
        {
            plans.Add((JsonNode)new JsonObject { ["member"] = problem, ["error"] = "unreachable: a real restore would stop here" });
        }

        return Ok(new JsonObject
        {
            ["snapshot"] = path, ["sha256"] = sha256, ["dryRun"] = true, ["phases"] = new JsonArray(Phases.Select(p => (JsonNode)p).ToArray()), ["members"] = plans,
        });
    }

    /// <summary>Opens an SSH connection to every peer; returns the ones that failed, with why.</summary>
    private async Task<List<string>> ConnectAsync(List<IRestoreMember> members, CancellationToken cancellationToken)
    {
        var attempts = peers.Targets.Select(async target =>
        {
            try
            {
                return ((IRestoreMember?)await RemoteMember.ConnectAsync(target, peers, logger, cancellationToken), (string?)null);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return (null, $"{target}: {e.Message}");
            }
        });
        var problems = new List<string>();
        foreach (var (member, problem) in await Task.WhenAll(attempts))
        {
            if (member is not null)
            {
                members.Add(member);
            }
            else
            {
                problems.Add(problem!);
            }
        }

        return problems;
    }

    /// <summary>Pushes the snapshot where it is missing or different (the pusher skips identical copies); null when every peer has it.</summary>
    private async Task<string?> PlaceEverywhereAsync(SnapshotResult snapshot, Action<string, string> progress, CancellationToken cancellationToken)
    {
        if (peers.Targets.Count == 0)
        {
            return null;
        }

        var results = await new PeerPusher(peers, time, logger).PushAsync(snapshot, cancellationToken);
        foreach (var result in results.Where(r => r.Ok))
        {
            progress($"{result.Host}:{result.Port}", result.Skipped ? "has the same snapshot" : "received the snapshot");
        }

        var failed = results.Where(r => !r.Ok).Select(r => $"{r.Host}:{r.Port}: {r.Error}").ToList();
        return failed.Count == 0 ? null : "could not put the snapshot on every member: " + string.Join("; ", failed);
    }

    private async Task<JsonObject> DriveAsync(List<IRestoreMember> members, string name, string sha256, Action<string, string> progress, CancellationToken cancellationToken)
    {
        var session = $"{time.GetUtcNow():yyyyMMddTHHmmssZ}-{Guid.NewGuid():N}"[..32];
        var opened = new List<IRestoreMember>();
        var reports = members.ToDictionary(m => m, _ => new JsonArray());
        var phase = "check";
        string? failure;
        try
        {
            var check = new JsonObject { ["file"] = name, ["sha256"] = sha256 };
            failure = await PhaseAsync(members, phase, session, check, reports, progress, opened, cancellationToken);
            foreach (var next in Phases)
            {
                if (failure is not null)
                {
                    break;
                }

                phase = next;
                failure = await PhaseAsync(members, phase, session, [], reports, progress, null, cancellationToken);
                if (failure is null && phase == "wait-healthy")
                {
                    failure = OneCluster(members, reports);
                }
            }
        }
        catch (Exception e)
        {
            // Cancelled too: the members must not stay half-restored because the client went away.
            failure = $"{phase}: {e.Message}";
        }

        if (failure is null)
        {
            foreach (var member in members)
            {
                var finished = await member.CallAsync(Request("finish", session, []), CancellationToken.None);
                if (finished["result"]?["oldDataDir"]?.GetValue<string>() is { } old)
                {
                    reports[member].Add((JsonNode)$"the old data directory is kept at {old}");
                }
            }

            RestoreLog.ClusterRestored(logger, name, members.Count);
            return Ok(Summary(name, sha256, members, reports));
        }

        RestoreLog.ClusterFailed(logger, phase, failure);
        var rollbacks = await Task.WhenAll(opened.Select(async m => (Member: m, Answer: await m.CallAsync(Request("rollback", session, []), CancellationToken.None))));
        foreach (var (member, answer) in rollbacks)
        {
            Record(reports[member], member, answer, progress, "rolled back");
        }

        var incomplete = rollbacks.Where(r => r.Answer["ok"]?.GetValue<bool>() != true).Select(r => r.Member.Name).ToList();
        var message = $"cluster restore failed in phase '{phase}': {failure}; "
            + (opened.Count == 0 ? "nothing was stopped"
                : incomplete.Count == 0 ? $"every member that got that far ({opened.Count}) was rolled back to its old data"
                : $"ROLLBACK INCOMPLETE on {string.Join(", ", incomplete)}: an operator must finish there by hand (see their journal)");
        var error = Error(Codes.Failed, message);
        error["result"] = Summary(name, sha256, members, reports);
        return error;
    }

    /// <summary>Runs one phase on every member at once; the barrier is awaiting them all. Returns the failures, or null.</summary>
    private static async Task<string?> PhaseAsync(
        List<IRestoreMember> members, string phase, string session, JsonObject fields, Dictionary<IRestoreMember, JsonArray> reports,
        Action<string, string> progress, List<IRestoreMember>? opened, CancellationToken cancellationToken)
    {
        var answers = await Task.WhenAll(members.Select(async m => (Member: m, Answer: await m.CallAsync(Request(phase, session, fields), cancellationToken))));
        var failures = new List<string>();
        foreach (var (member, answer) in answers)
        {
            if (answer["ok"]?.GetValue<bool>() == true)
            {
                opened?.Add(member);
            }
            else
            {
                failures.Add($"{member.Name}: {answer["error"]?["message"]?.GetValue<string>()}");
            }

            Record(reports[member], member, answer, progress, phase);
        }

        return failures.Count == 0 ? null : string.Join("; ", failures);
    }

    /// <summary>After the restart: one cluster ID, one leader, and as many distinct members as there are masters.</summary>
    private static string? OneCluster(List<IRestoreMember> members, Dictionary<IRestoreMember, JsonArray> reports)
    {
        var healthy = reports.Values.Select(r => r.LastOrDefault(s => s is JsonObject o && o.ContainsKey("clusterId")) as JsonObject).ToList();
        var clusters = healthy.Select(h => h?["clusterId"]?.GetValue<string>()).Distinct().Count();
        var leaders = healthy.Select(h => h?["leader"]?.GetValue<string>()).Distinct().Count();
        var distinct = healthy.Select(h => h?["memberId"]?.GetValue<string>()).Distinct().Count();
        return clusters == 1 && leaders == 1 && distinct == members.Count
            ? null
            : $"after the restart the members report {clusters} cluster ID(s), {leaders} leader(s) and {distinct} distinct member(s) for {members.Count} masters";
    }

    private static void Record(JsonArray report, IRestoreMember member, JsonObject answer, Action<string, string> progress, string phase)
    {
        if (answer["result"] is JsonObject result)
        {
            foreach (var step in result["steps"] as JsonArray ?? [])
            {
                progress(member.Name, step!.GetValue<string>());
                report.Add((JsonNode)step.GetValue<string>());
            }

            if (result.ContainsKey("clusterId"))
            {
                report.Add((JsonNode)new JsonObject { ["clusterId"] = result["clusterId"]!.DeepClone(), ["leader"] = result["leader"]!.DeepClone(), ["memberId"] = result["memberId"]!.DeepClone() });
            }
        }

        if (answer["error"]?["message"]?.GetValue<string>() is { } error)
        {
            progress(member.Name, $"{phase} FAILED: {error}");
            report.Add((JsonNode)$"{phase} FAILED: {error}");
        }
    }

    private static JsonObject Request(string phase, string session, JsonObject fields)
    {
        var request = fields.DeepClone().AsObject();
        request["command"] = "restore-phase";
        request["phase"] = phase;
        request["session"] = session;
        return request;
    }

    private static JsonObject Summary(string name, string sha256, List<IRestoreMember> members, Dictionary<IRestoreMember, JsonArray> reports) => new()
    {
        ["snapshot"] = name,
        ["sha256"] = sha256,
        ["members"] = new JsonArray(members.Select(m => (JsonNode)new JsonObject { ["member"] = m.Name, ["steps"] = reports[m].DeepClone() }).ToArray()),
    };
}
