using EtcdBackupd.Offsite.Codec;

namespace EtcdBackupd.Offsite.Age;

/// <summary>
/// Reads an age identity file, as <c>age-keygen -o</c> writes it: one <c>AGE-SECRET-KEY-1…</c> per
/// line, '#' comments and blank lines allowed. The file holds secret keys, so it must be readable by
/// its owner alone (0600 or 0400), as ssh insists for its private keys.
/// </summary>
internal static class AgeIdentityFile
{
    /// <summary>Far more than any list of keys; refusing more keeps a wrong path from filling memory.</summary>
    private const long MaxBytes = 64 * 1024;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static IReadOnlyList<AgeIdentity> Read(string path)
    {
        UnixFileMode mode;
        long length;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
                throw Refused($"The age identity file {path} does not exist.");
            mode = info.UnixFileMode;
            length = info.Length;
        }
        catch (IOException e)
        {
            throw Refused($"The age identity file {path} cannot be read: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw Refused($"The age identity file {path} cannot be read: permission denied.", e);
        }
        var permissions = mode & (UnixFileMode)0x1FF;
        if ((permissions & ~OwnerOnly) != 0 || (permissions & UnixFileMode.UserRead) == 0)
        {
            throw Refused(
                $"The age identity file {path} has mode {Convert.ToString((int)permissions, 8).PadLeft(4, '0')}; it holds secret keys, " +
                $"so it must be readable by its owner only (chmod 600 {path}).");
        }
        if (length > MaxBytes)
            throw Refused($"The age identity file {path} is {length} bytes; an identity file is a few lines of keys.");

        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Refused($"The age identity file {path} cannot be read: {e.Message}", e);
        }
        var identities = new List<AgeIdentity>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            if (!AgeIdentity.TryParse(line, out var identity, out var problem))
                throw Refused($"The age identity file {path}, line {i + 1}: {problem}");
            identities.Add(identity);
        }
        if (identities.Count == 0)
            throw Refused($"The age identity file {path} holds no identity (no AGE-SECRET-KEY-1… line).");
        return identities;
    }

    private static OffsiteCodecException Refused(string message, Exception? inner = null) =>
        new(OffsiteCodecFailure.KeyInvalid, message, inner);
}
