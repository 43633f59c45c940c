namespace EtcdBackupd.Tests.Support;

/// <summary>
/// Numbers from a <c>/proc/PID/status</c> file, parsed from bytes into the caller's buffer: the in-process
/// memory test reads it between its allocation counts, so the reading itself allocates nothing.
/// </summary>
internal static class ProcStatus
{
    public static ReadOnlySpan<byte> RssAnon => "RssAnon:"u8;

    public static ReadOnlySpan<byte> VmRss => "VmRSS:"u8;

    public static ReadOnlySpan<byte> Threads => "Threads:"u8;

    /// <summary>The number after <paramref name="field"/> (KiB for the memory fields); 0 when the file has none.</summary>
    public static long Read(string statusPath, ReadOnlySpan<byte> field, byte[] buffer)
    {
        using var file = File.OpenHandle(statusPath);
        var text = buffer.AsSpan(0, RandomAccess.Read(file, buffer, 0));
        var at = text.IndexOf(field);
        if (at < 0)
        {
            return 0;
        }

        long value = 0;
        foreach (var b in text[(at + field.Length)..])
        {
            if (b is >= (byte)'0' and <= (byte)'9')
            {
                value = value * 10 + (b - '0');
            }
            else if (value > 0)
            {
                break;
            }
        }

        return value;
    }

    /// <summary>As <see cref="Read"/>, but 0 once the process is gone: it may be reaped between the check that it runs and the read.</summary>
    public static long TryRead(string statusPath, ReadOnlySpan<byte> field, byte[] buffer)
    {
        try
        {
            return Read(statusPath, field, buffer);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
