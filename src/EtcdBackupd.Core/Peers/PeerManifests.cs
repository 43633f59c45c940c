using EtcdBackupd.Snapshots;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace EtcdBackupd.Peers;

/// <summary>
/// A manifest read from a peer, the one way every reader does it (the copies, remote retention, fetch):
/// a peer's file is not ours to trust, so it must be a regular file and is read at most
/// <see cref="MaxBytes"/> (a manifest is a few KiB; a huge or growing file must not be read into memory).
/// </summary>
internal static class PeerManifests
{
    public const int MaxBytes = 1 << 20;

    /// <summary>The manifest at <paramref name="path"/> and its bytes; (null, []) when missing, not a regular file, too large, or not a manifest.</summary>
    public static (SnapshotManifest? Manifest, byte[] Bytes) TryRead(SftpClient sftp, string path)
    {
        byte[] bytes;
        try
        {
            if (sftp.GetAttributes(path) is not { IsRegularFile: true, Size: <= MaxBytes })
            {
                return (null, []);
            }

            // The size is checked again while reading: the file may have grown since it was looked at.
            using var stream = sftp.OpenRead(path);
            using var memory = new MemoryStream();
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                if (memory.Length + read > MaxBytes)
                {
                    return (null, []);
                }

                memory.Write(buffer, 0, read);
            }

            bytes = memory.ToArray();
        }
        catch (SftpPathNotFoundException)
        {
            return (null, []);
        }

        try
        {
            return (SnapshotManifest.FromJson(bytes), bytes);
        }
        catch (System.Text.Json.JsonException)
        {
            return (null, bytes);
        }
    }
}
