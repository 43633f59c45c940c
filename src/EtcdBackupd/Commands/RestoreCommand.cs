using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using EtcdBackupd.Configuration;
using EtcdBackupd.Control.Handlers;
using EtcdBackupd.Hosting;
using EtcdBackupd.Import;
using EtcdBackupd.Lineage;
using EtcdBackupd.Logging;
using EtcdBackupd.Protocol.Descriptors;
using EtcdBackupd.Restore;
using EtcdBackupd.State;

namespace EtcdBackupd.Commands;

/// <summary>
/// <c>etcd-backupd restore FILE [--cluster] [--dry-run] [--other-cluster] --yes --config F</c>: the
/// daemon's restore as a one-shot, for a master whose daemon is not running (freshly reinstalled, or its
/// configuration broken). The same checks, plan, steps and rollback (<see cref="RestoreRequestRunner"/>);
/// the cluster form still needs the peers' daemons. The restore lock beside the control socket keeps it
/// and the daemon's restores apart.
/// </summary>
internal static class RestoreCommand
{
    public static Command Create(Option<string> config)
    {
        var file = new Argument<string>("FILE") { Description = "A snapshot name in Snapshots.Directory, or the path of any snapshot file (checked and imported first)" };
        var cluster = new Option<bool>("--cluster") { Description = "Restore every member: this master and every Peers.Targets entry (their daemons must run)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan and change nothing; exit 1 when it lists a problem" };
        var yes = new Option<bool>("--yes") { Description = "Confirm: the API servers and etcd are stopped and etcd's data replaced" };
        var otherCluster = new Option<bool>("--other-cluster") { Description = "The snapshot is of another cluster, and is meant to replace this one's data" };
        var command = new Command("restore",
            "Restore this member (or with --cluster every member) from a snapshot without the daemon; the same restore as etcd-backupctl restore")
            { config, file, cluster, dryRun, yes, otherCluster };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(config)!, new RestoreRequest
        {
            File = parse.GetValue(file)!, Cluster = parse.GetValue(cluster), DryRun = parse.GetValue(dryRun), Yes = parse.GetValue(yes),
            OtherCluster = parse.GetValue(otherCluster),
        }, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string configPath, RestoreRequest request, CancellationToken cancellationToken)
    {
        using var logging = ConsoleLogging.Create();
        var time = TimeProvider.System;
        DaemonConfiguration configuration;
        try
        {
            configuration = DaemonConfiguration.Load(Path.GetFullPath(configPath), time);
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"etcd-backupd: {e.Message}");
            return ExitCodes.Usage;
        }

        var paths = new SnapshotPaths(new SnapshotDirectory(configuration.Snapshots.Directory));
        // A path outside the directory (a file kept in /root/offsite, a cron-era etcdctl snapshot) is opened here,
        // as root, and goes the way a file sent to the daemon does: checked, imported first, then restored.
        string? unopened = null;
        using var sent = paths.IsPresent(request.File) ? null : SentFiles.Prepare(request.File, mustSend: false, out unopened);
        var named = sent is { Handle: not null } ? null : paths.Resolve(sent?.File ?? request.File);
        if (unopened is not null || sent is not { Handle: not null } && named is null)
        {
            await Console.Error.WriteLineAsync($"etcd-backupd: {unopened ?? paths.NotASnapshot("restore", request.File)}");
            return ExitCodes.Usage;
        }

        if (RestoreRequestRunner.Unconfirmed(request, c => $"--yes (etcd-backupd restore FILE {(c ? "--cluster " : "")}--yes --config {configPath})") is { } unconfirmed)
        {
            await Console.Error.WriteLineAsync($"etcd-backupd: {unconfirmed}");
            return ExitCodes.Usage;
        }

        using var local = new LocalRestore(configuration.Restore, configuration.Etcd,
            configuration.Restore.Services(time),
            time, logging.CreateLogger<LocalRestore>(), new RestoreActivity(),
            new SessionStore(configuration.State.Directory, logging.CreateLogger<SessionStore>()),
            RestoreLock.In(configuration.State.Directory));
        var phases = new MemberPhases(local);
        var lineage = new LineageCheck(configuration.Etcd, new ClusterLineage(configuration.State.Directory, time, logging.CreateLogger<ClusterLineage>()),
            logging.CreateLogger<LineageCheck>());
        var cluster = new ClusterRestore(configuration.Peers, configuration.Restore, phases, lineage, time, logging.CreateLogger<ClusterRestore>());
        var runner = new RestoreRequestRunner(phases, local, cluster, lineage);

        // As the daemon does (its stop waits for a restore): SIGTERM or Ctrl-C in the middle would leave the
        // member stopped or half-restored, so the restore runs to its end or its rollback, and says so. SIGHUP
        // too: an operator's SSH session that drops would otherwise end the process (the runtime's default),
        // leaving the other members' sessions open with etcd stopped.
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Hold);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Hold);
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Hold);
        var started = time.GetTimestamp();
        void Progress(string? member, string step) => Say(string.Create(CultureInfo.InvariantCulture,
            $"restore: [{time.GetElapsedTime(started).TotalSeconds,6:F1} s] {member ?? "this master"}: {step}"));
        SentFile? checkedFile = null;
        string path;
        if (sent is { Handle: { } handle })
        {
            using var importer = new SnapshotImporter(new SnapshotDirectory(configuration.Snapshots.Directory), configuration.Restore,
                new SnapshotVerifier(new VerificationCache(configuration.State.Directory)), time, logging.CreateLogger<SnapshotImporter>());
            try
            {
                (path, checkedFile) = await SentRestore.PrepareAsync(importer, handle, sent.File, sent.Descriptor!.Manifest, request.DryRun, Progress, cancellationToken);
            }
            catch (ImportException e)
            {
                await Console.Error.WriteLineAsync($"etcd-backupd: restore failed: {e.Message}");
                return ErrorCodes.ExitCode(e.Code);
            }
        }
        else
        {
            path = named!;
        }

        var reply = await runner.RunAsync(path, request, Progress, cancellationToken, checkedFile);
        return await PrintAsync(reply, request);
    }

    private static void Hold(PosixSignalContext signal)
    {
        signal.Cancel = true;
        Say($"etcd-backupd: {signal.Signal} ignored: the restore runs to its end or rolls back first");
    }

    /// <summary>A line on standard error, if anyone is still there: a terminal gone with its SSH session must not stop the restore.</summary>
    private static void Say(string line)
    {
        try
        {
            Console.Error.WriteLine(line);
        }
        catch (IOException)
        {
            // Nobody reads it; the restore's result still goes to the journal and the sessions' records.
        }
    }

    /// <summary>The answer's result, indented, on standard output; the error on standard error; the exit code etcd-backupctl would give.</summary>
    private static async Task<int> PrintAsync(Reply reply, RestoreRequest request)
    {
        if (reply.Result is not null)
        {
            using var stdout = Console.OpenStandardOutput();
            await using (var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
            {
                reply.WriteResult(writer);
            }

            await stdout.WriteAsync("\n"u8.ToArray());
        }

        if (reply.Error is { } error)
        {
            await Console.Error.WriteLineAsync($"etcd-backupd: restore failed ({error.Code}): {error.Message}");
            return ErrorCodes.ExitCode(error.Code);
        }

        return !request.DryRun ? ExitCodes.Success
            : reply.Result switch
            {
                ClusterPlan plan => plan.ExitCode(),
                RestorePlan plan => plan.ExitCode(),
                _ => throw new InvalidOperationException($"a dry run answered with {reply.Result?.GetType().Name ?? "no result"}, not a plan"),
            };
    }
}
