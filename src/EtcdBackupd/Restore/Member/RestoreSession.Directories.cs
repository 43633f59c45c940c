using EtcdBackupd.FileSystem;

namespace EtcdBackupd.Restore;

/// <summary>
/// The directories a restore replaces: the data directory, and the WAL directory when etcd keeps it apart
/// (<c>--wal-dir</c> outside the data directory). Each old one is moved aside, never deleted, with an undo
/// recorded before the move; a missing one is recorded as missing, so a rollback moves what the restore
/// made aside rather than taking it for old data. A mount point is the exception: see RestoreSession.MountPoints.cs.
/// </summary>
internal sealed partial class RestoreSession
{
    /// <summary>Where the session records one directory's old copy, or that there was none: as data, a restarted daemon reads it back.</summary>
    private sealed record Slot(string Noun, Func<SessionRecord, string?> Old, Action<SessionRecord, string> SetOld, Func<SessionRecord, bool> None, Action<SessionRecord> SetNone);

    private static readonly Slot DataSlot = new("data", r => r.OldDataDir, (r, dir) => r.OldDataDir = dir, r => r.NoOldData, r => r.NoOldData = true);

    private static readonly Slot WalSlot = new("WAL", r => r.OldWalDir, (r, dir) => r.OldWalDir = dir, r => r.NoOldWal, r => r.NoOldWal = true);

    private Task MoveOldAsideAsync(string dir, Slot slot, bool mounted) => mounted ? MoveContentsAsideAsync(dir, slot) : RunStepAsync($"move {dir} aside", () =>
    {
        if (Directory.Exists(dir) && (slot.None(_record) || (slot.Old(_record) is { } original && Directory.Exists(original))))
        {
            // Asked again after an attempt that failed or was cut short: the old directory is at original already,
            // and what is here is that attempt's unfinished output. Kept for an operator to look at, never taken
            // for the old one (a rollback would put it back, and the new directory copy its owner). Named apart
            // from a rollback's .failed-restore-*, and free even for a retry within the same second.
            var unfinished = MoveAside(dir, KeptDirectories.Beside(dir, KeptDirectories.Unfinished, Stamp()));
            Done($"moved {dir}, an earlier attempt's unfinished output, to {unfinished}; "
                + (slot.Old(_record) is { } kept ? $"the old {slot.Noun} stays at {kept}" : $"there was no old {slot.Noun}"));
        }
        else if (Directory.Exists(dir))
        {
            // A free name: after a clock stepped back, an earlier restore's directory may have this second's name, and a
            // move that failed on it would leave an undo that puts that older directory in place of this member's.
            var oldDir = FileKinds.FreeName(KeptDirectories.Beside(dir, KeptDirectories.Before, Stamp()));
            // Recorded before the move: a daemon killed between the two finds the undo and a directory it may skip.
            slot.SetOld(_record, oldDir);
            PushUndo(new UndoStep(UndoKind.MoveBack, $"move {oldDir} back", DataDir: dir, OldDir: oldDir));
            Directory.Move(dir, oldDir);
            Done($"moved {dir} to {oldDir}");
        }
        else if (!slot.None(_record))
        {
            // Recorded before the restore makes one: a rollback moves what it made aside, as it was, none.
            slot.SetNone(_record);
            PushUndo(new UndoStep(UndoKind.MoveAside, $"move the restored {dir} aside (there was none before)", DataDir: dir,
                OldDir: KeptDirectories.Beside(dir, KeptDirectories.Failed, Stamp())));
            Done($"{dir} does not exist; nothing to move aside");
        }
        else
        {
            Done($"{dir} does not exist; nothing to move aside");
        }

        return Task.CompletedTask;
    });

    /// <summary>
    /// The tool's output in place: a directory the tool made takes the owner and mode of <paramref name="reference"/>;
    /// in a mount point, what the tool wrote takes the owner of the old <c>member</c> (else of the mount itself) and
    /// moves up into it.
    /// </summary>
    private async Task SettleAsync(string dir, bool mounted, string? reference, CancellationToken cancellationToken)
    {
        if (!mounted)
        {
            await GiveOwnerAsync(dir, reference, cancellationToken);
            return;
        }

        var staging = MemberParameters.Staging(dir);
        var owner = MountOwner(dir, reference);
        await RunStepAsync($"give what {staging} holds the owner of {owner}", async () =>
        {
            await MustAsync("chown", ["-R", $"--reference={owner}", staging], cancellationToken);
            Done($"give what {staging} holds the owner of {owner}");
        });
        await RunStepAsync($"move what {staging} holds up into {dir}", () =>
        {
            MountContents.MoveUp(staging, dir);
            Done($"moved what {staging} holds up into {dir}");
            return Task.CompletedTask;
        });
    }

    /// <summary>
    /// <paramref name="dir"/> as etcd's restore tool, run as root, made it, given the owner and mode of <paramref name="reference"/>,
    /// or, with none, the owner the etcd unit runs as.
    /// </summary>
    private async Task GiveOwnerAsync(string dir, string? reference, CancellationToken cancellationToken)
    {
        if (reference is not null)
        {
            await RunStepAsync($"give {dir} the owner and mode of {reference}", async () =>
            {
                await MustAsync("chown", ["-R", $"--reference={reference}", dir], cancellationToken);
                await MustAsync("chmod", [$"--reference={reference}", dir], cancellationToken);
                Done($"give {dir} the owner and mode of {reference}");
            });
        }
        else if (_options.RunsAs() is { } owner)
        {
            // No old directory (a replaced disk, a member built again): a root-owned 0700 directory that an etcd
            // running as User= could not open, and the member would never start.
            await RunStepAsync($"give {dir} the owner etcd runs as, {owner.Value}", async () =>
            {
                await MustAsync("chown", ["-R", "--", owner.Value, dir], cancellationToken);
                Done($"give {dir} the owner etcd runs as, {owner.Value} ({owner.Source}): there was no old directory to copy it from");
            });
        }
    }

    /// <summary>Puts the old directory back; what the failed restore wrote is kept beside it. Nothing to do when the move never happened.</summary>
    private static void MoveBack(string dir, string oldDir)
    {
        if (!Directory.Exists(oldDir))
        {
            return;
        }

        MoveAside(dir, KeptDirectories.Beside(dir, KeptDirectories.Failed, KeptDirectories.StampOf(oldDir)));
        Directory.Move(oldDir, dir);
    }

    /// <summary>
    /// <paramref name="dir"/> out of the way under <paramref name="aside"/>, or that name with -2, -3...
    /// when it is taken (a retry within the same second); the name used, or null when there was nothing to move.
    /// </summary>
    private static string? MoveAside(string dir, string aside)
    {
        if (!Directory.Exists(dir))
        {
            return null;
        }

        var free = FileKinds.FreeName(aside);
        Directory.Move(dir, free);
        return free;
    }

    /// <summary>This moment, as the names of kept directories carry it.</summary>
    private string Stamp() => $"{_time.GetUtcNow():yyyyMMddTHHmmssZ}";
}
