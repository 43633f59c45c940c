namespace EtcdBackupd.Offsite;

/// <summary>An access key pair from an AWS shared-credentials file; the secret never reaches a log or a message.</summary>
internal sealed record S3Keys(string AccessKeyId, string SecretAccessKey, string? SessionToken)
{
    public override string ToString() => AccessKeyId;
}

/// <summary>
/// The AWS shared-credentials format (<c>[profile]</c> then <c>aws_access_key_id = ...</c>), read from
/// the one file the configuration names: never the SDK's default chain, its environment variables or
/// an instance's metadata service. The file is read at each upload, so rotated keys take effect at once.
/// </summary>
internal static class SharedCredentials
{
    /// <summary>Why <paramref name="path"/> cannot give keys for <paramref name="profile"/>, or null when it can.</summary>
    public static string? Problem(string path, string profile)
    {
        try
        {
            _ = Read(path, profile);
            return null;
        }
        catch (OffsiteException e)
        {
            return e.Message;
        }
    }

    public static S3Keys Read(string path, string profile)
    {
        UnixFileMode mode;
        string[] lines;
        try
        {
            mode = File.GetUnixFileMode(path) & (UnixFileMode)0x1FF;
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // .NET's own text ("Could not find a part of the path ...") is not for an operator.
            var why = e switch
            {
                FileNotFoundException or DirectoryNotFoundException => "it does not exist",
                UnauthorizedAccessException => "permission denied",
                _ => e.Message,
            };
            throw new OffsiteException($"cannot read the credentials file '{path}': {why}");
        }

        // A secret key readable by others is a leak waiting to happen: refuse, as OpenSSH refuses such a key.
        if (mode != (UnixFileMode.UserRead | UnixFileMode.UserWrite) && mode != UnixFileMode.UserRead)
        {
            throw new OffsiteException($"the credentials file '{path}' has mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}; it must be 0600 or 0400 (chmod 600 '{path}')");
        }

        var values = Section(lines, profile)
            ?? throw new OffsiteException($"the credentials file '{path}' has no [{profile}] profile");
        var id = values.GetValueOrDefault("aws_access_key_id");
        var secret = values.GetValueOrDefault("aws_secret_access_key");
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(secret))
        {
            throw new OffsiteException($"the [{profile}] profile in '{path}' needs aws_access_key_id and aws_secret_access_key");
        }

        return new S3Keys(id, secret, values.GetValueOrDefault("aws_session_token"));
    }

    private static Dictionary<string, string>? Section(string[] lines, string profile)
    {
        Dictionary<string, string>? found = null;
        Dictionary<string, string>? current = null;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[' && line[^1] == ']')
            {
                // ~/.aws/config writes "[profile name]"; the credentials file writes "[name]": take both.
                var name = line[1..^1].Trim();
                name = name.StartsWith("profile ", StringComparison.Ordinal) ? name[8..].Trim() : name;
                current = name == profile ? found ??= new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) : null;
                continue;
            }

            var equals = line.IndexOf('=');
            if (current is not null && equals > 0)
            {
                current[line[..equals].Trim()] = line[(equals + 1)..].Trim();
            }
        }

        return found;
    }
}
