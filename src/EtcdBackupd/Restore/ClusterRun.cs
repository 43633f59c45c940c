using System.Text.Json.Nodes;
using EtcdBackupd.Snapshots;
using Microsoft.Extensions.Logging;
using static EtcdBackupd.Control.ControlProtocol;

namespace EtcdBackupd.Restore;

/// <summary>
/// One cluster restore under way: its members (this master first), the session every member's steps
/// belong to, who has opened it (and so must be rolled back), each member's steps for the report.
/// </summary>
internal sealed class ClusterRun(
    IReadOnlyList<IRestoreMember> members, SnapshotResult snapshot, string session, Action<string, string> progress, ILogger logger)
{
    /// <summary>The runbook's phases after the check, in order.</summary>
    public static readonly string[] Phases = ["stop-api", "stop-etcd", "restore-data", "start-etcd", "wait-healthy", "start-api"];

    private readonly List<IRestoreMember> _opened = [];
    private readonly HashSet<IRestoreMember> _leaders = [];
    private readonly Dictionary<IRestoreMember, (string? Cluster, string? Leader, string? Member)> _health = [];
    private readonly Dictionary<IRestoreMember, JsonArray> _reports = members.ToDictionary(m => m, _ => new JsonArray());

    private string Name => Path.GetFileName(snapshot.Path);

    /// <param name="placeEverywhere">Pushes the snapshot to the peers; an error message, or null.</param>
    /// <param name="cancellationToken">Stops the run; what was done is rolled back all the same.</param>
    public async Task<JsonObject> RunAsync(Func<Task<string?>> placeEverywhere, CancellationToken cancellationToken)
    {
        var phase = "check";
        string? failure;
        try
        {
            failure = await CheckEverywhereAsync(placeEverywhere, cancellationToken);
            foreach (var next in Phases)
            {
                if (failure is not null)
                {
                    break;
                }

                phase = next;
                failure = phase == "stop-etcd"
                    ? await StopEtcdLeaderLastAsync(cancellationToken)
                    : await PhaseAsync(members, phase, [], cancellationToken);
                if (failure is null && phase == "wait-healthy")
                {
                    failure = OneCluster();
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
            await FinishAsync();
            RestoreLog.ClusterRestored(logger, Name, members.Count);
            return Ok(Summary());
        }

        RestoreLog.ClusterFailed(logger, phase, failure);
        var incomplete = await RollBackAsync();
        var message = phase == "check"
            ? $"cluster restore refused: {failure}" + (failure.EndsWith("nothing was stopped", StringComparison.Ordinal) ? "" : "; nothing was stopped")
            : $"cluster restore failed in phase '{phase}': {failure}; "
              + (incomplete.Count == 0 ? $"every member that got that far ({_opened.Count}) was rolled back to its old data"
                  : $"ROLLBACK INCOMPLETE on {string.Join(", ", incomplete)}: an operator must finish there by hand (see their journal)");
        var error = Error(Codes.Failed, message);
        error["result"] = Summary();
        return error;
    }

    /// <summary>
    /// Every member checks the same file (trailer, and SHA-256 against the manifest) and opens its
    /// session. When a peer lacks the snapshot or holds another file under its name, this master's copy
    /// is checked first and only then pushed, so a bad file never travels; otherwise all check at once.
    /// </summary>
    private async Task<string?> CheckEverywhereAsync(Func<Task<string?>> placeEverywhere, CancellationToken cancellationToken)
    {
        var check = new JsonObject { ["file"] = Name, ["sha256"] = snapshot.Manifest.Sha256 };
        var remotes = members.Skip(1).ToList();
        var copies = await Task.WhenAll(remotes.Select(m => m.CallAsync(Request("plan", new JsonObject { ["file"] = Name }), cancellationToken)));
        if (copies.All(c => c["result"]?["present"]?.GetValue<bool>() == true && c["result"]?["sha256"]?.GetValue<string>() == snapshot.Manifest.Sha256))
        {
            return await PhaseAsync(members, "check", check, cancellationToken);
        }

        return await PhaseAsync([members[0]], "check", check, cancellationToken)
            ?? await placeEverywhere()
            ?? await PhaseAsync(remotes, "check", check, cancellationToken);
    }

    /// <summary>
    /// Followers first, the leader last: a leader stopped while its followers run hands leadership over
    /// at once, but one stopped together with them waits out etcd's transfer timeout (seconds) for
    /// peers that are going away too. Both waves together are the phase's barrier.
    /// </summary>
    private async Task<string?> StopEtcdLeaderLastAsync(CancellationToken cancellationToken) =>
        await PhaseAsync([.. members.Where(m => !_leaders.Contains(m))], "stop-etcd", [], cancellationToken)
        ?? await PhaseAsync([.. members.Where(_leaders.Contains)], "stop-etcd", [], cancellationToken);

    /// <summary>Runs one phase on the given members at once; the barrier is awaiting them all. Returns the failures, or null.</summary>
    private async Task<string?> PhaseAsync(IReadOnlyList<IRestoreMember> on, string phase, JsonObject fields, CancellationToken cancellationToken)
    {
        var answers = await Task.WhenAll(on.Select(async m => (Member: m, Answer: await m.CallAsync(Request(phase, fields), cancellationToken))));
        var failures = new List<string>();
        foreach (var (member, answer) in answers)
        {
            if (answer["ok"]?.GetValue<bool>() != true)
            {
                failures.Add($"{member.Name}: {answer["error"]?["message"]?.GetValue<string>()}");
            }
            else if (answer["result"] is JsonObject { } result && result.ContainsKey("clusterId"))
            {
                _health[member] = (Text(result, "clusterId"), Text(result, "leader"), Text(result, "memberId"));
            }
            else if (phase == "check")
            {
                _opened.Add(member);
                if (answer["result"]?["leader"]?.GetValue<bool>() == true)
                {
                    _leaders.Add(member);
                }
            }

            Record(member, answer, phase);
        }

        return failures.Count == 0 ? null : string.Join("; ", failures);
    }

    /// <summary>After the restart: one cluster ID, one leader, and as many distinct members as there are masters.</summary>
    private string? OneCluster()
    {
        var healthy = members.Select(m => _health.GetValueOrDefault(m)).ToList();
        var clusters = healthy.Select(h => h.Cluster).Distinct().Count();
        var leaders = healthy.Select(h => h.Leader).Distinct().Count();
        var distinct = healthy.Select(h => h.Member).Distinct().Count();
        return clusters == 1 && leaders == 1 && distinct == members.Count
            ? null
            : $"after the restart the members report {clusters} cluster ID(s), {leaders} leader(s) and {distinct} distinct member(s) for {members.Count} masters";
    }

    private async Task FinishAsync()
    {
        foreach (var member in members)
        {
            var finished = await member.CallAsync(Request("finish", []), CancellationToken.None);
            if (finished["result"]?["oldDataDir"]?.GetValue<string>() is { } old)
            {
                _reports[member].Add((JsonNode)$"the old data directory is kept at {old}");
            }
        }
    }

    /// <summary>Rolls back every member that opened the session, all at once; returns those whose rollback failed.</summary>
    private async Task<List<string>> RollBackAsync()
    {
        var rollbacks = await Task.WhenAll(_opened.Select(async m => (Member: m, Answer: await m.CallAsync(Request("rollback", []), CancellationToken.None))));
        foreach (var (member, answer) in rollbacks)
        {
            Record(member, answer, "rollback");
        }

        return [.. rollbacks.Where(r => r.Answer["ok"]?.GetValue<bool>() != true).Select(r => r.Member.Name)];
    }

    private void Record(IRestoreMember member, JsonObject answer, string phase)
    {
        var report = _reports[member];
        if (answer["result"] is JsonObject result)
        {
            foreach (var step in result["steps"] as JsonArray ?? [])
            {
                progress(member.Name, step!.GetValue<string>());
                report.Add((JsonNode)step.GetValue<string>());
            }
        }

        if (answer["error"]?["message"]?.GetValue<string>() is { } error)
        {
            progress(member.Name, $"{phase} FAILED: {error}");
            report.Add((JsonNode)$"{phase} FAILED: {error}");
        }
    }

    private JsonObject Request(string phase, JsonObject fields) => Request(phase, session, fields);

    /// <summary>A <c>restore-phase</c> request of session <paramref name="session"/> (docs/control-protocol.md).</summary>
    public static JsonObject Request(string phase, string session, JsonObject fields)
    {
        var request = fields.DeepClone().AsObject();
        request["command"] = "restore-phase";
        request["phase"] = phase;
        request["session"] = session;
        return request;
    }

    private JsonObject Summary() => new()
    {
        ["snapshot"] = Name,
        ["sha256"] = snapshot.Manifest.Sha256,
        ["members"] = new JsonArray(members.Select(m => (JsonNode)new JsonObject { ["member"] = m.Name, ["steps"] = _reports[m].DeepClone() }).ToArray()),
    };
}
