namespace EtcdBackupd.Tests.Support;

/// <summary>
/// This process's anonymous resident memory (the heap, native allocations, thread stacks: what grows when
/// something is kept), read from /proc/self/status into a buffer the caller keeps, so reading it in the
/// middle of a measurement does not add to the allocations being measured.
/// </summary>
internal sealed class ProcessMemory
{
    private static readonly byte[] Key = "RssAnon:"u8.ToArray();
    private readonly byte[] _status = new byte[8192];

    public long RssAnonBytes()
    {
        using var handle = File.OpenHandle("/proc/self/status");
        var length = RandomAccess.Read(handle, _status, 0);
        var text = _status.AsSpan(0, length);
        var at = text.IndexOf(Key);
        if (at < 0)
        {
            throw new InvalidOperationException("/proc/self/status has no RssAnon line");
        }

        long kib = 0;
        foreach (var b in text[(at + Key.Length)..])
        {
            if (b is >= (byte)'0' and <= (byte)'9')
            {
                kib = kib * 10 + (b - '0');
            }
            else if (b == (byte)'\n')
            {
                break;
            }
        }

        return kib * 1024;
    }
}
