using System.Text.Json.Nodes;
using EtcdBackupd.Peers;
using EtcdBackupd.Restore;
using EtcdBackupd.Retention;
using EtcdBackupd.Service;
using EtcdBackupd.Snapshots;
using Microsoft.Extensions.Logging;
using static EtcdBackupd.Control.ControlProtocol;

namespace EtcdBackupd.Control;

/// <summary>
/// What the control socket can do. Group members may read and take snapshots; deleting (a real prune)
/// and restoring need root. Every refusal is logged with the caller's uid and pid.
/// </summary>
internal sealed partial class ControlCommands(
    SnapshotCoordinator coordinator, DaemonState state, SnapshotDirectory directory, SnapshotVerifier verifier,
    RetentionService retention, StatusReport status, PeersOptions peers, LocalRestore restore, MemberPhases phases, ClusterRestore cluster, TimeProvider time, ILogger<ControlCommands> logger)
{
    public const string Known = "status, snapshot, list, verify, prune, peers, restore, restore-phase";

    public async Task<JsonObject> RunAsync(
        string command, JsonObject request, PeerCredentials peer, Func<JsonNode, Task<bool>> send, CancellationToken cancellationToken)
    {
        if (NeedsRoot(command, request) && !peer.IsRoot)
        {
            ControlLog.Refused(logger, peer.Uid, peer.Pid, command, "needs root");
            return Error(Codes.Forbidden, $"'{command}' needs root (uid 0); uid {peer.Uid} may use status, snapshot, list, verify, prune --dry-run and peers");
        }

        ControlLog.Command(logger, command, peer.Uid, peer.Pid);
        try
        {
            return command switch
            {
                "status" => Ok(await status.BuildAsync(cancellationToken)),
                "snapshot" => await SnapshotAsync(peer, send, cancellationToken),
                "list" => Ok(List()),
                "verify" => Verify(request, cancellationToken),
                "prune" => Ok(Prune(request, cancellationToken)),
                "peers" => Ok(await PeersAsync(cancellationToken)),
                "restore" => await RestoreAsync(request, send, cancellationToken),
                "restore-phase" => await phases.RunAsync(ResolveSnapshot(request), request, cancellationToken),
                _ => Error(Codes.UnknownCommand, $"unknown command '{Truncate(command)}'; known: {Known}"),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Error(Codes.Failed, e.Message);
        }
    }

    private static bool NeedsRoot(string command, JsonObject request) => command switch
    {
        "restore" or "restore-phase" => true,
        "prune" => !Flag(request, "dryRun"),
        _ => false,
    };

    private async Task<JsonObject> SnapshotAsync(PeerCredentials peer, Func<JsonNode, Task<bool>> send, CancellationToken cancellationToken)
    {
        var running = coordinator.RunAsync($"requested over the control socket by uid {peer.Uid} pid {peer.Pid}", cancellationToken);
        while (!running.IsCompleted)
        {
            await Task.WhenAny(running, Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken));
            var (received, total) = state.Progress;
            if (!running.IsCompleted && !await send(Event("progress", new JsonObject { ["stage"] = "snapshot", ["bytes"] = received, ["totalBytes"] = total })))
            {
                break;
            }
        }

        var outcome = await running;
        return outcome.Succeeded ? Ok(StatusReport.Outcome(outcome)) : Error(Codes.Failed, $"{outcome.Error!.Failure}: {outcome.Error.Message}");
    }

    private async Task<JsonObject> RestoreAsync(JsonObject request, Func<JsonNode, Task<bool>> send, CancellationToken cancellationToken)
    {
        if (ResolveSnapshot(request) is not { } path)
        {
            return Error(Codes.BadRequest, NotASnapshot("restore", request));
        }

        var dryRun = Flag(request, "dryRun");
        var whole = Flag(request, "cluster");
        if (!dryRun && !Flag(request, "yes"))
        {
            return Error(Codes.BadRequest, whole
                ? "a cluster restore stops the API servers and etcd on every master and replaces their data: confirm with \"yes\": true (etcd-backupctl restore FILE --cluster --yes)"
                : "a restore stops the API servers and etcd on this member and replaces its data: confirm with \"yes\": true (etcd-backupctl restore FILE --yes)");
        }

        var started = time.GetTimestamp();
        JsonObject Step(string step) => new() { ["stage"] = "restore", ["step"] = step, ["seconds"] = Math.Round(time.GetElapsedTime(started).TotalSeconds, 1) };
        if (whole)
        {
            return await cluster.RunAsync(path, dryRun, (member, step) =>
            {
                var progress = Step(step);
                progress["member"] = member;
                _ = send(Event("progress", progress));
            }, cancellationToken);
        }

        var plan = phases.Plan(path);
        if (dryRun)
        {
            return Ok(plan);
        }

        var report = await restore.RunExclusiveAsync(path, step => _ = send(Event("progress", Step(step))), cancellationToken);
        plan["steps"] = new JsonArray(report.Steps.Select(s => (JsonNode)s).ToArray());
        plan["oldDataDir"] = report.OldDataDir;
        return report.Ok ? Ok(plan) : Error(Codes.Failed, $"restore failed at '{report.FailedStep}': {report.Error}; steps: {string.Join("; ", report.Steps)}");
    }

    private string NotASnapshot(string command, JsonObject request) =>
        request["file"] is JsonValue v && v.TryGetValue<string>(out var file) && file.Length > 0
            ? $"'{Truncate(file)}' is not a snapshot name in {directory.Path}"
            : $"{command} needs \"file\": a snapshot name in {directory.Path}";

    /// <summary>A snapshot name or path inside our directory; the daemon runs as root and must not become a file oracle.</summary>
    private string? ResolveSnapshot(JsonObject request)
    {
        if (request["file"] is not JsonValue fileValue || !fileValue.TryGetValue<string>(out var file) || file.Length == 0)
        {
            return null;
        }

        var path = Path.GetFullPath(Path.IsPathRooted(file) ? file : Path.Combine(directory.Path, file));
        return Path.GetDirectoryName(path) == directory.Path.TrimEnd('/') && SnapshotFileName.TryParse(Path.GetFileName(path), out _, out _, out _)
            ? path
            : null;
    }

    private JsonArray List()
    {
        var list = new JsonArray();
        foreach (var entry in directory.List())
        {
            var manifest = SnapshotManifest.TryRead(entry.ManifestPath);
            list.Add((JsonNode)new JsonObject
            {
                ["path"] = entry.Path,
                ["sizeBytes"] = entry.SizeBytes,
                ["sha256"] = manifest?.Sha256,
                ["revision"] = entry.Revision,
                ["createdAt"] = entry.CreatedAt,
                ["member"] = entry.MemberName,
                ["verification"] = verifier.Known(entry) switch { true => "ok", false => "corrupt", null => "unchecked" },
            });
        }

        return list;
    }

    private JsonObject Verify(JsonObject request, CancellationToken cancellationToken)
    {
        if (ResolveSnapshot(request) is not { } path)
        {
            return Error(Codes.BadRequest, NotASnapshot("verify", request));
        }

        if (!File.Exists(path))
        {
            return Error(Codes.NotFound, $"'{path}' does not exist");
        }

        var (trailerOk, sha256) = EtcdTrailer.Check(path, cancellationToken);
        verifier.Remember(path, trailerOk);
        var manifest = SnapshotManifest.TryRead(SnapshotFileName.ManifestOf(path));
        var manifestState = manifest is null ? "missing" : manifest.Sha256 == sha256 && manifest.SizeBytes == new FileInfo(path).Length ? "ok" : "mismatch";
        if (!trailerOk || manifestState == "mismatch")
        {
            return Error("invalid_snapshot", $"'{path}': " + (trailerOk ? "" : "etcd's SHA-256 trailer does not match the data; ")
                + (manifestState == "mismatch" ? "the file differs from its manifest" : "").TrimEnd(' ', ';'));
        }

        return Ok(new JsonObject { ["path"] = path, ["sizeBytes"] = new FileInfo(path).Length, ["sha256"] = sha256, ["trailer"] = "ok", ["manifest"] = manifestState });
    }

    private JsonObject Prune(JsonObject request, CancellationToken cancellationToken)
    {
        var dryRun = Flag(request, "dryRun");
        var deleted = new JsonArray();
        foreach (var deletion in retention.Prune(dryRun, cancellationToken))
        {
            deleted.Add((JsonNode)new JsonObject { ["path"] = deletion.Snapshot.Path, ["reason"] = deletion.Reason });
        }

        return new JsonObject { ["dryRun"] = dryRun, ["deleted"] = deleted };
    }

    private async Task<JsonArray> PeersAsync(CancellationToken cancellationToken)
    {
        var result = new JsonArray();
        foreach (var target in peers.Targets)
        {
            var entry = new JsonObject { ["host"] = target.Host, ["port"] = target.Port, ["user"] = target.User, ["directory"] = target.Directory };
            try
            {
                await using var session = await PeerSession.ConnectAsync(target, peers, logger, cancellationToken);
                entry["reachable"] = true;
                entry["hostKey"] = "ok";
                entry["directoryExists"] = await session.Sftp.ExistsAsync(target.Directory, cancellationToken);
            }
            catch (HostKeyRefusedException e)
            {
                (entry["reachable"], entry["hostKey"], entry["error"]) = (true, "refused", e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                (entry["reachable"], entry["error"]) = (false, e.Message);
            }

            result.Add((JsonNode)entry);
        }

        return result;
    }

    private static string Truncate(string text) => text.Length > 80 ? text[..80] + "..." : text;
}
