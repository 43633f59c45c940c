using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EtcdBackupd.Protocol;
using EtcdBackupd.Protocol.Descriptors;
using EtcdBackupd.Protocol.Requests;

namespace EtcdBackupctl;

/// <summary>The typed commands: each builds its request record, reads its result record, renders it or prints it as JSON.</summary>
internal sealed class Cli(Option<string> socket, OutputFormat output, Option<int> timeout, TimeProvider time)
{
    public Command Simple<TRequest, TResult>(string name, string description, TRequest request, JsonTypeInfo<TRequest> contract, ResultKind<TResult> result)
        where TRequest : ControlRequest
    {
        var command = new Command(name, description);
        command.SetAction((parse, cancellationToken) => RunAsync(parse, request, contract, result, cancellationToken));
        return command;
    }

    public Command Verify()
    {
        var file = new Argument<string>("file")
        {
            Description = "A snapshot: a name in the snapshot directory, or a path anywhere this caller can read; with --offsite, a snapshot's name",
        };
        var offsite = new OffsiteFlag("Re-read the snapshot's object in each off-site target instead: its size and SHA-256 against the manifest beside it; exit 1 unless all match");
        var command = new Command(VerifyRequest.Name,
            "Check a snapshot's SHA-256 trailer and its manifest; a file without a manifest is vouched for by etcd's own snapshot status")
        {
            file, offsite.Flag, offsite.Target,
        };
        command.SetAction((parse, cancellationToken) => offsite.Scope(parse) is { } scope
            ? RunAsync(parse, new VerifyRequest { File = parse.GetValue(file)!, Offsite = scope }, ProtocolJsonContext.Default.VerifyRequest, Results.OffsiteVerify, cancellationToken)
            : WithFileAsync(parse.GetValue(file)!, mustSend: false, sent =>
                RunAsync(parse, new VerifyRequest { File = sent.File, Descriptor = sent.Descriptor }, ProtocolJsonContext.Default.VerifyRequest, Results.Verify, cancellationToken,
                    sent.Handle)));
        return command;
    }

    public Command List()
    {
        var offsite = new OffsiteFlag("This cluster's objects in each off-site target instead, read from the manifests beside them (others' and strays marked as such)");
        var command = new Command(ListRequest.Name, "Snapshots in the daemon's directory, newest first, with their verification state") { offsite.Flag, offsite.Target };
        command.SetAction((parse, cancellationToken) => offsite.Scope(parse) is { } scope
            ? RunAsync(parse, new ListRequest { Offsite = scope }, ProtocolJsonContext.Default.ListRequest, Results.OffsiteList, cancellationToken)
            : RunAsync(parse, new ListRequest(), ProtocolJsonContext.Default.ListRequest, Results.List, cancellationToken));
        return command;
    }

    public Command Import()
    {
        var file = new Argument<string>("file") { Description = "A snapshot anywhere this caller can read (etcdctl snapshot save, a copy from elsewhere); NAME.json beside it is its manifest" };
        var pin = new Option<string?>("--pin") { Description = "Pin it under LABEL: retention keeps it here and on the peers until unpinned", HelpName = "LABEL" };
        var command = new Command(ImportRequest.Name,
            "Copy a snapshot into the snapshot directory under etcd-backupd's naming, checked, with a manifest marked imported, so list, verify and retention treat it as their own (root only)")
        {
            file, pin,
        };
        command.SetAction((parse, cancellationToken) => WithFileAsync(parse.GetValue(file)!, mustSend: true, sent =>
            RunAsync(parse, new ImportRequest { File = sent.File, Descriptor = sent.Descriptor!, Pin = parse.GetValue(pin) }, ProtocolJsonContext.Default.ImportRequest,
                Results.Imported, cancellationToken, sent.Handle)));
        return command;
    }

    /// <summary>Runs <paramref name="run"/> with FILE prepared for the request (by name, or opened and sent); a file that cannot be opened is a usage error.</summary>
    private static async Task<int> WithFileAsync(string file, bool mustSend, Func<SentFiles.Sent, Task<int>> run)
    {
        using var sent = SentFiles.Prepare(file, mustSend, out var problem);
        return sent is null ? await Usage(problem!) : await run(sent);
    }

    public Command Snapshot()
    {
        var pin = new Option<string?>("--pin")
        {
            Description = "Pin the snapshot under LABEL (letters, digits, ._-, up to 64): retention keeps it here and on the peers until unpinned (root only)",
            HelpName = "LABEL",
        };
        var command = new Command(SnapshotRequest.Name, "Take a snapshot now (joins one already running) and copy it to the peers") { pin };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(parse, new SnapshotRequest { Pin = parse.GetValue(pin) }, ProtocolJsonContext.Default.SnapshotRequest, Results.Snapshot, cancellationToken));
        return command;
    }

    public Command Pin()
    {
        var file = new Argument<string>("name") { Description = "A snapshot file (name or path) in the snapshot directory" };
        var label = new Argument<string>("label") { Description = "Why it is kept: letters, digits, ._-, up to 64 characters (before-etcd-3.5.17)" };
        var command = new Command(PinRequest.Name,
            "Keep a snapshot whatever its age: retention never deletes it, here or on the peers that hold it (root only)") { file, label };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, new PinRequest { File = parse.GetValue(file)!, Label = parse.GetValue(label)! },
            ProtocolJsonContext.Default.PinRequest, Results.Pin, cancellationToken));
        return command;
    }

    public Command Unpin()
    {
        var file = new Argument<string>("name") { Description = "A snapshot file (name or path) in the snapshot directory" };
        var command = new Command(UnpinRequest.Name, "Give a pinned snapshot back to retention, here and on the peers (root only)") { file };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, new UnpinRequest { File = parse.GetValue(file)! },
            ProtocolJsonContext.Default.UnpinRequest, Results.Pin, cancellationToken));
        return command;
    }

    public Command Prune()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Only say what would be deleted (allowed to the control group; a real prune needs root)" };
        var command = new Command(PruneRequest.Name, "Apply the retention rule now") { dryRun };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(parse, new PruneRequest { DryRun = parse.GetValue(dryRun) }, ProtocolJsonContext.Default.PruneRequest, Results.Prune, cancellationToken));
        return command;
    }

    public Command Restore()
    {
        var file = new Argument<string?>("file")
        {
            Description = "The snapshot to restore: a name in the snapshot directory, or a path anywhere this caller can read (imported first)", Arity = ArgumentArity.ZeroOrOne,
        };
        var yes = new Option<bool>("--yes") { Description = "Confirm: the API servers and etcd on this member stop and its data is replaced (the old directory is kept)" };
        var recover = new Option<string?>("--recover")
        {
            Description = "End cluster restore SESSION whose coordinator is gone, on every master: finished everywhere when every member had restored its data, else rolled back everywhere",
            HelpName = "SESSION",
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan and the exact restore command (per member with --cluster); change nothing" };
        var cluster = new Option<bool>("--cluster") { Description = "Restore every master (this one and Peers.Targets) from the same snapshot, phase by phase, rolling all back on failure" };
        var otherCluster = new Option<bool>("--other-cluster")
        {
            Description = "The snapshot is of another cluster (its cluster ID is not one this cluster has had), and its data is meant to replace this cluster's",
        };
        var command = new Command(RestoreRequest.Name,
            "Restore this member, or with --cluster every member, from a snapshot, in the runbook's order, rolling back on failure (root only)")
        {
            file, dryRun, yes, cluster, recover, otherCluster,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            if (parse.GetValue(recover) is { } session)
            {
                return parse.GetValue(file) is null && !parse.GetValue(cluster)
                    ? RunAsync(parse, new RecoverRequest { Session = session, DryRun = parse.GetValue(dryRun), Yes = parse.GetValue(yes) },
                        ProtocolJsonContext.Default.RecoverRequest, Results.Recovered, cancellationToken)
                    : Usage("restore --recover SESSION takes no snapshot and no --cluster: it acts on every member the session has");
            }

            if (parse.GetValue(file) is null)
            {
                return Usage("restore needs a snapshot (etcd-backupctl restore FILE --yes), or --recover SESSION");
            }

            return WithFileAsync(parse.GetValue(file)!, mustSend: false, sent =>
            {
                var request = new RestoreRequest
                {
                    File = sent.File, Descriptor = sent.Descriptor, DryRun = parse.GetValue(dryRun), Yes = parse.GetValue(yes), Cluster = parse.GetValue(cluster),
                    OtherCluster = parse.GetValue(otherCluster),
                };
                var contract = ProtocolJsonContext.Default.RestoreRequest;
                return (request.Cluster, request.DryRun) switch
                {
                    (true, true) => RunAsync(parse, request, contract, Results.ClusterPlan, cancellationToken, sent.Handle),
                    (true, false) => RunAsync(parse, request, contract, Results.ClusterRestored, cancellationToken, sent.Handle),
                    (false, true) => RunAsync(parse, request, contract, Results.Plan, cancellationToken, sent.Handle),
                    (false, false) => RunAsync(parse, request, contract, Results.Restored, cancellationToken, sent.Handle),
                };
            });
        });
        return command;
    }

    public Command Fetch()
    {
        var file = new Argument<string?>("name") { Description = "The snapshot's file name (etcd-snapshot-...db)", Arity = ArgumentArity.ZeroOrOne };
        var newest = new Option<bool>("--newest") { Description = "The newest snapshot (with its manifest) across the peers, or this cluster's newest off-site" };
        var from = new Option<string?>("--from")
        {
            Description = "Only this peer (a host of Peers.Targets, and its port when it has several), or the off-site targets (offsite, or offsite:TARGET for one); "
                + "without it, the first peer in Peers.Targets that has it",
            HelpName = FetchSources.Forms,
        };
        var command = new Command(FetchRequest.Name,
            "Download a snapshot and its manifest from a peer (over SSH with pinned host keys) or an off-site target (decrypted, decompressed) into the snapshot directory, "
            + "verified before it takes its name (root only)")
        {
            file, newest, from,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            FetchSource? source = null;
            if (parse.GetValue(from) is { } text && (source = FetchSources.Parse(text, out var problem)) is null)
            {
                return Usage(problem!);
            }

            return (parse.GetValue(file), parse.GetValue(newest)) switch
            {
                (null, false) => Usage("fetch needs a snapshot NAME or --newest"),
                (not null, true) => Usage("fetch takes a snapshot NAME or --newest, not both"),
                var (name, isNewest) => RunAsync(parse, new FetchRequest { Source = source, File = name, Newest = isNewest },
                    ProtocolJsonContext.Default.FetchRequest, Results.Fetched, cancellationToken),
            };
        });
        return command;
    }

    private static async Task<int> Usage(string message)
    {
        await Console.Error.WriteLineAsync($"etcd-backupctl: {message}");
        return ExitCodes.Usage;
    }

    private async Task<int> RunAsync<TRequest, TResult>(
        ParseResult parse, TRequest request, JsonTypeInfo<TRequest> contract, ResultKind<TResult> kind, CancellationToken cancellationToken,
        Microsoft.Win32.SafeHandles.SafeFileHandle? file = null)
        where TRequest : ControlRequest
    {
        using var progress = new ProgressBar(enabled: !Console.IsErrorRedirected);
        byte[] line;
        try
        {
            var seconds = parse.GetValue(timeout);
            line = await ControlClient.RequestAsync(parse.GetValue(socket)!, JsonSerializer.SerializeToUtf8Bytes(request, contract), progress.Show,
                seconds > 0 ? TimeSpan.FromSeconds(seconds) : null, cancellationToken, file);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM to the CLI: the daemon does not stop what it started because its client left.
            progress.Clear();
            await Console.Error.WriteLineAsync($"etcd-backupctl: interrupted; etcd-backupd carries on with the {request.Command}: "
                + "follow it with journalctl -u etcd-backupd -f, and see its outcome with etcd-backupctl status");
            return ExitCodes.Timeout;
        }
        catch (NoAnswerException e)
        {
            progress.Clear();
            await Console.Error.WriteLineAsync($"etcd-backupctl: {request.Command}: {e.Message}");
            return ExitCodes.Timeout;
        }
        catch (UnreachableException e)
        {
            progress.Clear();
            await Console.Error.WriteLineAsync($"etcd-backupctl: {e.Message}");
            return ExitCodes.Unreachable;
        }

        progress.Clear();
        var answer = Answers.Read(line, kind.Answer);
        if (!answer.Ok)
        {
            var error = answer.Error!;
            await Console.Error.WriteLineAsync($"etcd-backupctl: {request.Command} failed ({error.Code}): {error.Message}");
            if (answer.Result is { } partial && output.IsJson(parse))
            {
                // What a failed restore or recovery did on each member, as the protocol sends it beside the error.
                await Console.Out.WriteAsync(JsonSerializer.Serialize(partial, kind.Indented) + "\n");
            }

            return ErrorCodes.ExitCode(error.Code);
        }

        var result = answer.Result!;
        await Console.Out.WriteAsync(output.IsJson(parse)
            ? JsonSerializer.Serialize(result, kind.Indented) + "\n"
            : kind.Render(result, new View(time.GetUtcNow(), output.IsWide(parse))));
        return kind.ExitCode(result);
    }
}
