namespace EtcdBackupd.Memory;

/// <summary>
/// Asks for a collection each time a long stream has moved another given number of bytes.
/// The libraries a stream goes through (Grpc.Net.Client and SocketsHttpHandler for a snapshot, the AWS
/// SDK for an upload) allocate a little per read or per request, none of it kept. Left to itself the
/// collector's gen0 budget (sized from the CPU cache: 25 MiB on a 32 MiB L3, more on larger machines) is
/// bigger than what a stream of gigabytes leaves behind, so no collection runs and every allocated byte
/// lands on a fresh page: the process's RssAnon grows in a line with the data. Collected every few MiB of
/// garbage, the same pages are reused and memory stays flat whatever the size. The daemon's project caps
/// that budget at 4 MiB (System.GC.Gen0MaxBudget, for the control socket's garbage), but a budget only
/// brings gen0 collections, and a stream needs full ones: some of its objects are alive at any moment
/// (an upload's requests, in flight for tens of milliseconds; a snapshot's messages waiting in the HTTP/2
/// stream's buffer), and collected at gen0 only they are promoted and pile up in gen1 and gen2 instead
/// (measured on a 1 GiB upload: RssAnon 16 to 38 MiB with gen0 collections, flat with full ones; on an
/// 8 GiB snapshot 14 to 19 MiB, flat at 11.7 MiB). On a heap this small a full collection costs a
/// millisecond or two.
/// </summary>
internal sealed class GarbagePacer
{
    private readonly long _every;
    private readonly bool _handBackFreedPages;
    private long _next;

    /// <summary>
    /// Full collections every 16 MiB, for streams that go through the AWS SDK or SSH.NET (an upload, its
    /// read-back, a fetch): about 30 KiB of garbage per MiB, whose requests live across a collection. They
    /// hand the freed pages back as a snapshot's do: the packaged uploader's peak RSS on 173 MiB is 41.6
    /// MiB against 42.6 with plain collections, CPU and wall the same (bench/offsite, five runs each).
    /// </summary>
    public static GarbagePacer ForRequestStreams() => new(16L << 20, handBackFreedPages: true);

    /// <summary>
    /// Full collections every 32 MiB for a snapshot stream, each handing the freed pages back to the system.
    /// A full collection alone leaves the next garbage on pages not touched before: the collector starts
    /// gen0 again in other free regions and returns the old ones lazily, so RssAnon crept up by some hundreds
    /// of KiB per 32 MiB and fell by a few MiB whenever the collector got round to it (the packaged build on
    /// 340 MiB: 6.0-7.4 MiB over the stream; this test host: 2.5 MiB up, or 5 MiB down after start-up's
    /// garbage). Handed back at each collection it stays within 0.2 MiB (5.5-5.7 MiB), peak RSS is 0.7-1.0
    /// MiB lower at 0.5 and 2 GiB, and CPU time is the same within the noise (bench/snapshot/RESULTS.md).
    /// </summary>
    public static GarbagePacer ForSnapshotStream() => new(32L << 20, handBackFreedPages: true);

    /// <param name="everyBytes">How far the stream moves between collections.</param>
    /// <param name="handBackFreedPages">Collect in the collector's aggressive mode, which returns free regions at once.</param>
    public GarbagePacer(long everyBytes, bool handBackFreedPages = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(everyBytes);
        _every = everyBytes;
        _handBackFreedPages = handBackFreedPages;
        // The first call collects, whatever the total: called before the stream's first byte, it hands back
        // what getting there left behind (configuration, the connection, a TLS handshake), which otherwise
        // sits under the stream's steady state until the first full step. Measured on the one-shot snapshot
        // of the Native AOT build: RssAnon 14.6-15.4 MiB from start-up to the first collection at 32 MiB,
        // 12.2-12.8 MiB after it.
        _next = 0;
    }

    /// <summary>Call with the stream's running total; collects on the first call and then each time the total has passed the next mark (and says so).</summary>
    public bool Moved(long total)
    {
        if (total < _next)
        {
            return false;
        }

        if (_handBackFreedPages)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
        else
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
        }

        _next = total + _every;
        return true;
    }
}
