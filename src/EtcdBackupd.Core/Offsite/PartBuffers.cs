using System.Collections.Concurrent;

namespace EtcdBackupd.Offsite;

/// <summary>
/// The part buffers, kept between uploads: exactly <see cref="MultipartSink.PartSize"/> bytes each (the
/// shared array pool would round 5 MiB up to 8 MiB), at most a sink's worth kept when idle.
/// </summary>
internal static class PartBuffers
{
    private static readonly ConcurrentBag<byte[]> Free = [];

    public static byte[] Rent() => Free.TryTake(out var buffer) ? buffer : new byte[MultipartSink.PartSize];

    public static void Return(byte[]? buffer)
    {
        if (buffer is not null && Free.Count <= MultipartSink.Concurrency)
        {
            Free.Add(buffer);
        }
    }
}
