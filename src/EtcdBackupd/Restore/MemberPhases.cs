using System.Text.Json.Nodes;
using EtcdBackupd.Snapshots;
using static EtcdBackupd.Control.ControlProtocol;

namespace EtcdBackupd.Restore;

/// <summary>
/// This member's side of a cluster restore: the <c>restore-phase</c> requests a coordinator sends, one
/// step of the runbook each, on the session <c>check</c> opened (docs/control-protocol.md). The
/// coordinator calls the same entry in-process for its own member and over SSH for the others.
/// </summary>
internal sealed class MemberPhases(LocalRestore restore)
{
    public const string Known = "plan, check, stop-api, stop-etcd, restore-data, start-etcd, wait-healthy, start-api, finish, rollback";

    /// <summary>The plan of a restore of <paramref name="path"/> here: parameters with their sources, the exact command, problems.</summary>
    public JsonObject Plan(string path)
    {
        var (member, command, problems) = restore.Plan(path);
        return new JsonObject
        {
            ["snapshot"] = path,
            ["command"] = string.Join(' ', command),
            ["parameters"] = new JsonObject
            {
                ["name"] = Sourced(member.Name), ["initialCluster"] = Sourced(member.InitialCluster),
                ["initialClusterToken"] = Sourced(member.InitialClusterToken),
                ["initialAdvertisePeerUrls"] = Sourced(member.InitialAdvertisePeerUrls), ["dataDir"] = Sourced(member.DataDir),
            },
            ["problems"] = new JsonArray(problems.Select(p => (JsonNode)p).ToArray()),
        };
    }

    /// <summary>One phase; <paramref name="path"/> is the snapshot resolved inside this daemon's directory, null when the request named none.</summary>
    public async Task<JsonObject> RunAsync(string? path, JsonObject request, CancellationToken cancellationToken)
    {
        var phase = Text(request, "phase");
        var id = Text(request, "session");
        if (phase is null || id is null || id.Length is 0 or > 64)
        {
            return Error(Codes.BadRequest, $"restore-phase needs \"phase\" (one of: {Known}) and \"session\" (at most 64 characters)");
        }

        if (phase is "plan" or "check" && path is null)
        {
            return Error(Codes.BadRequest, $"restore-phase '{phase}' needs \"file\": a snapshot name in this member's snapshot directory");
        }

        try
        {
            return phase switch
            {
                "plan" => Ok(PlanWithCopy(path!)),
                "check" => await CheckAsync(id, path!, Text(request, "sha256"), cancellationToken),
                "rollback" => await RollBackAsync(id),
                "finish" => Finish(id),
                _ => await StepAsync(restore.Held(id), phase, cancellationToken),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Error(Codes.Failed, e.Message);
        }
    }

    /// <summary>The plan, and whether this member holds the snapshot (from its manifest: a dry run reads no gigabytes).</summary>
    private JsonObject PlanWithCopy(string path)
    {
        var plan = Plan(path);
        plan["present"] = File.Exists(path);
        plan["sha256"] = SnapshotManifest.TryRead(SnapshotFileName.ManifestOf(path))?.Sha256;
        return plan;
    }

    private async Task<JsonObject> CheckAsync(string id, string path, string? sha256, CancellationToken cancellationToken)
    {
        if (sha256 is null)
        {
            return Error(Codes.BadRequest, "restore-phase 'check' needs \"sha256\": every member must restore the same file");
        }

        var session = await restore.BeginAsync(id, path, null, cancellationToken);
        try
        {
            await session.CheckAsync(sha256, cancellationToken);
            return Ok(new JsonObject
            {
                ["member"] = session.Member!.Name.Value, ["leader"] = session.IsLeader, ["command"] = string.Join(' ', session.Command!), ["steps"] = Steps(session, 0),
            });
        }
        catch
        {
            restore.End(id);
            throw;
        }
    }

    private static async Task<JsonObject> StepAsync(RestoreSession session, string phase, CancellationToken cancellationToken)
    {
        var before = session.Steps.Count;
        var result = new JsonObject();
        switch (phase)
        {
            case "stop-api": await session.StopApiServersAsync(cancellationToken); break;
            case "stop-etcd": await session.StopEtcdAsync(cancellationToken); break;
            case "restore-data": await session.RestoreDataAsync(cancellationToken); break;
            case "start-etcd": await session.StartEtcdAsync(cancellationToken); break;
            case "start-api": await session.StartApiServersAsync(cancellationToken); break;
            case "wait-healthy":
                var status = await session.WaitHealthyAsync(cancellationToken);
                result["memberId"] = status.Header.MemberId.ToString("x");
                result["clusterId"] = status.Header.ClusterId.ToString("x");
                result["leader"] = status.Leader.ToString("x");
                break;
            default:
                return Error(Codes.BadRequest, $"unknown restore phase '{phase[..Math.Min(phase.Length, 40)]}'; known: {Known}");
        }

        result["steps"] = Steps(session, before);
        return Ok(result);
    }

    private async Task<JsonObject> RollBackAsync(string id)
    {
        var session = restore.Held(id);
        var before = session.Steps.Count;
        try
        {
            await session.RollBackAsync();
        }
        finally
        {
            restore.End(id);
        }

        var steps = Steps(session, before);
        var failed = steps.Any(s => s!.GetValue<string>().StartsWith("ROLLBACK FAILED", StringComparison.Ordinal));
        return failed
            ? Error(Codes.Failed, "the rollback was incomplete: " + string.Join("; ", steps.Select(s => s!.GetValue<string>())))
            : Ok(new JsonObject { ["steps"] = steps, ["oldDataDir"] = session.OldDataDir });
    }

    private JsonObject Finish(string id)
    {
        var session = restore.Held(id);
        restore.End(id);
        return Ok(new JsonObject { ["steps"] = Steps(session, 0), ["oldDataDir"] = session.OldDataDir });
    }

    private static JsonArray Steps(RestoreSession session, int from) => new(session.Steps.Skip(from).Select(s => (JsonNode)s).ToArray());

    private static JsonObject Sourced(Sourced value) => new() { ["value"] = value.Value, ["source"] = value.Source };
}
