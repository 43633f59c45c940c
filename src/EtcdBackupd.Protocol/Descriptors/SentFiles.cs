using System.Text.RegularExpressions;
using EtcdBackupd.Protocol.Requests;
using EtcdBackupd.Snapshots;
using Microsoft.Win32.SafeHandles;

namespace EtcdBackupd.Protocol.Descriptors;

/// <summary>
/// A FILE argument of <c>verify</c>, <c>restore</c> and <c>import</c>: a bare snapshot name goes by name (the
/// daemon finds it in its directory, as always); a path is opened here, with the caller's own permissions,
/// and the open file goes to the daemon with the request, since the daemon's sandbox may not show the
/// caller's directories (<c>/root</c>, the caller's <c>/tmp</c>). The manifest beside it goes too, read here.
/// </summary>
internal static partial class SentFiles
{
    /// <summary>What a request carries for FILE: its name or full path, the descriptor field, and the open file (null when sent by name).</summary>
    internal sealed record Sent(string File, SentDescriptor? Descriptor, SafeFileHandle? Handle) : IDisposable
    {
        public void Dispose() => Handle?.Dispose();
    }

    /// <summary>
    /// The file to send, or null with the usage problem. <paramref name="mustSend"/> (import): a path that
    /// cannot be opened is a problem even when it looks like a snapshot name.
    /// </summary>
    public static Sent? Prepare(string file, bool mustSend, out string? problem)
    {
        problem = null;
        var isName = !file.Contains('/', StringComparison.Ordinal) && OurName().IsMatch(file);
        if (isName && !mustSend && !File.Exists(file))
        {
            return new Sent(file, null, null);
        }

        var path = Path.GetFullPath(file);
        if (CallerFile.TryOpen(path, out var why, out var denied) is not { } handle)
        {
            // A name of ours the caller may not read (a group member, a root-only directory): the daemon reads its own.
            // Not one that is not there: the daemon would only say it is no snapshot of its directory, not why.
            if (!mustSend && denied && OurName().IsMatch(Path.GetFileName(path)))
            {
                return new Sent(path, null, null);
            }

            problem = $"cannot open '{file}': {why}";
            return null;
        }

        return new Sent(path, new SentDescriptor { Manifest = ManifestBeside(path) }, handle);
    }

    /// <summary>NAME.json beside NAME.db when it is a manifest; anything else there is ignored (the file then stands on its own).</summary>
    private static SnapshotManifest? ManifestBeside(string path)
    {
        try
        {
            var manifest = Path.ChangeExtension(path, ".json");
            // Opened like the snapshot (a FIFO there must not hang the CLI); its length and pread refuse a FIFO (NotSupportedException).
            using var handle = manifest == path ? null : CallerFile.TryOpen(manifest, out _);
            if (handle is null || RandomAccess.GetLength(handle) is var length && length is 0 or > 32 * 1024)
            {
                return null;
            }

            var bytes = new byte[length];
            return RandomAccess.Read(handle, bytes, 0) == length ? SnapshotManifest.FromJson(bytes) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    // As SnapshotFileName's: ASCII digits, and \z so that a final newline does not pass.
    [GeneratedRegex(@"^etcd-snapshot-[0-9]{8}T[0-9]{6}Z-[A-Za-z0-9._-]+-r[0-9]+\.db\z", RegexOptions.CultureInvariant)]
    private static partial Regex OurName();
}
