using EtcdBackupd.FileSystem;

namespace EtcdBackupd.Restore;

/// <summary>
/// A data or WAL directory that is a mount point (etcd's data on a disk of its own) cannot be renamed: what it
/// holds moves instead (<see cref="MountContents"/>), into a directory inside it, and the tool writes into
/// another (<see cref="MemberParameters.StagingName"/>) whose contents are moved up after.
/// </summary>
internal sealed partial class RestoreSession
{
    private Task MoveContentsAsideAsync(string dir, Slot slot) => RunStepAsync($"move what {dir} holds aside", () =>
    {
        var stamp = Stamp();
        if (_record.Undo.LastOrDefault(u => u.Kind == UndoKind.ContentsBack && u.DataDir == dir) is { OldDir: { } oldDir, Names: { } names })
        {
            // Asked again after an attempt that failed or was cut short. A move cut short (the tool never ran) is
            // finished; after a whole one, what is here is that attempt's unfinished output, kept apart.
            var left = names.Where(name => !FileKinds.IsThere(Path.Combine(oldDir, name))).ToList();
            if (left.Count > 0)
            {
                MountContents.Move(dir, oldDir, left);
                Done($"moved the rest of what {dir} held to {oldDir}: an earlier attempt was cut short while moving it");
            }
            else if (MountContents.Movable(dir) is { Count: > 0 } unfinished)
            {
                var kept = FileKinds.FreeName(KeptDirectories.Inside(dir, KeptDirectories.Unfinished, stamp));
                MountContents.Move(dir, kept, unfinished);
                Done($"moved an earlier attempt's unfinished output in {dir} to {kept}; the old {slot.Noun} stays at {oldDir}");
            }
            else
            {
                Done($"{dir} holds nothing to move aside; the old {slot.Noun} stays at {oldDir}");
            }

            return Task.CompletedTask;
        }

        var aside = FileKinds.FreeName(KeptDirectories.Inside(dir, KeptDirectories.Before, stamp));
        var moving = MountContents.Movable(dir);
        // Recorded before the move, with every name it moves: a rollback after a move cut short puts back what
        // moved and takes nothing still here for the restore's output.
        slot.SetOld(_record, aside);
        PushUndo(new UndoStep(UndoKind.ContentsBack, $"move what {aside} holds back into {dir}", DataDir: dir, OldDir: aside, Names: moving));
        MountContents.Move(dir, aside, moving);
        Done($"moved what {dir} held ({(moving.Count == 0 ? "nothing" : string.Join(", ", moving))}) to {aside}: {dir} is a mount point, which cannot be renamed");
        return Task.CompletedTask;
    });

    /// <summary>
    /// Whose owner what a restore writes into mount point <paramref name="dir"/> takes: the old <c>member</c> etcd ran
    /// on, moved aside into <paramref name="aside"/>, else the mount itself. Never the aside directory: this restore
    /// made it, root's and 0700, and an etcd running as User= could not open what took its owner.
    /// </summary>
    private static string MountOwner(string dir, string? aside) =>
        aside is not null && Directory.Exists(Path.Combine(aside, "member")) ? Path.Combine(aside, "member") : dir;

    /// <summary>
    /// A directory whose contents this session moved aside as a mount point's and that is no mount point now (a
    /// reboot, the disk not mounted again): taking it for a plain directory would restore onto the root file system,
    /// and a rollback would find nothing to put back.
    /// </summary>
    private void RefuseIfNoLongerMounted(string dir, bool mounted)
    {
        if (!mounted && _record.Undo.Any(u => u.Kind == UndoKind.ContentsBack && u.DataDir == dir))
        {
            throw new InvalidOperationException(
                $"{dir} was a mount point when this restore moved what it held aside, and is not one now: mount its disk again, then ask again or roll back");
        }
    }

    /// <summary>
    /// Puts what a mount point held back: what the restore made there (every entry but the old ones still in
    /// place after a move cut short) goes to <c>.failed-restore-*</c> inside it first. Nothing to do when the move never began.
    /// </summary>
    private static void ContentsBack(string dir, string oldDir, IReadOnlyList<string> names)
    {
        if (!MountPoints.Read().IsMountPoint(dir))
        {
            // A reboot, and the disk not mounted again: what it held, and what the restore wrote, are on it.
            throw new IOException($"{dir} is not a mount point now, and what it held is on its disk: is the disk mounted?");
        }

        if (!Directory.Exists(oldDir))
        {
            // The move never began and all is in place; else something removed the aside, and "complete" would be false.
            if (names.Any(name => !FileKinds.IsThere(Path.Combine(dir, name))))
            {
                throw new IOException($"{oldDir} does not exist and {dir} lacks what it held ({string.Join(", ", names)}): put it back by hand");
            }

            return;
        }

        var moved = names.Where(name => FileKinds.IsThere(Path.Combine(oldDir, name))).ToList();
        var made = MountContents.Movable(dir).Where(name => !names.Contains(name) || moved.Contains(name)).ToList();
        if (made.Count > 0)
        {
            MountContents.Move(dir, FileKinds.FreeName(KeptDirectories.Inside(dir, KeptDirectories.Failed, KeptDirectories.StampOf(oldDir))), made);
        }

        MountContents.Move(oldDir, dir, moved);
        Directory.Delete(oldDir);
    }
}
