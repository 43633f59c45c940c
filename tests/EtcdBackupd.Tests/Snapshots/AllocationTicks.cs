using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace EtcdBackupd.Tests.Snapshots;

// Temporary diagnostic: histogram of GC AllocationTick events by type name.
internal sealed class AllocationTicks : EventListener
{
    public readonly ConcurrentDictionary<string, long> ByType = new();
    public volatile bool On;
    public readonly ConcurrentBag<string> Stacks = [];

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
        }

        if (source.Name == "System.Buffers.ArrayPoolEventSource" && Environment.GetEnvironmentVariable("ALLOC_POOL") is not null)
        {
            EnableEvents(source, EventLevel.Verbose);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (On && e.EventSource.Name == "System.Buffers.ArrayPoolEventSource")
        {
            var what = e.EventName + " " + string.Join(",", e.PayloadNames!.Zip(e.Payload!, (n, v) => n == "bufferId" || n == "poolId" ? "" : n + "=" + v));
            ByType.AddOrUpdate("POOL " + what, 1, (_, v) => v + 1);
            if (e.EventName == "BufferAllocated" && Stacks.Count < 0)
            {
                Stacks.Add(Environment.StackTrace);
            }

            return;
        }

        if (!On || e.EventName != "GCAllocationTick_V4" && e.EventName?.StartsWith("GCAllocationTick") != true)
        {
            return;
        }

        var i = e.PayloadNames!.IndexOf("TypeName");
        var j = e.PayloadNames!.IndexOf("AllocationAmount64");
        var name = i >= 0 ? e.Payload![i]?.ToString() ?? "?" : "?";
        var amount = j >= 0 ? Convert.ToInt64(e.Payload![j]) : 100_000;
        ByType.AddOrUpdate(name + (e.PayloadNames.IndexOf("ObjectSize") is var k and >= 0 ? " size=" + e.Payload![k] : ""), amount, (_, v) => v + amount);
    }
}
