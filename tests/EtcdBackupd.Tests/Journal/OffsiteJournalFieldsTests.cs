using System.Reflection;
using EtcdBackupd.Offsite;
using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Tests.Journal;

/// <summary>Every off-site event names its target, so <c>journalctl OFFSITE_TARGET=NAME</c> finds all of one target's history.</summary>
[Category("Fast")]
internal sealed class OffsiteJournalFieldsTests
{
    [Test]
    public void OffsiteLog_EveryEvent_CarriesTheOffsiteTargetField()
    {
        var messages = typeof(OffsiteLog).GetMethods(BindingFlags.Static | BindingFlags.Public)
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>()).Where(a => a is not null).ToList();

        Assert.That(messages, Is.Not.Empty);
        Assert.That(messages.Where(a => !a!.Message.Contains("{OffsiteTarget}", StringComparison.Ordinal)).Select(a => a!.EventName), Is.Empty);
    }

    [Test]
    public void RetentionLog_EveryEventOfAStoreElsewhere_CarriesThatStoresField()
    {
        var messages = typeof(EtcdBackupd.Retention.RetentionLog).GetMethods(BindingFlags.Static | BindingFlags.Public)
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>()).OfType<LoggerMessageAttribute>().ToList();
        var offsite = messages.Where(a => a.EventName!.StartsWith("RetentionOffsite", StringComparison.Ordinal)).ToList();
        var peers = messages.Where(a => a.EventName is "RetentionClockAhead" || a.EventName!.StartsWith("RetentionRemote", StringComparison.Ordinal)).ToList();

        Assert.That((offsite.Count, peers.Count), Is.EqualTo((7, 3)));
        Assert.That(offsite.Where(a => !a.Message.Contains("{OffsiteTarget}", StringComparison.Ordinal)).Select(a => a.EventName), Is.Empty);
        Assert.That(peers.Where(a => !a.Message.Contains("{PeerHost}", StringComparison.Ordinal)).Select(a => a.EventName), Is.Empty);
    }
}
