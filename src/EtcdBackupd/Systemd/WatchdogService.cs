using System.Globalization;
using Microsoft.Extensions.Hosting;

namespace EtcdBackupd.Systemd;

/// <summary><c>WATCHDOG=1</c> at half of <c>WATCHDOG_USEC</c> when the unit sets <c>WatchdogSec=</c>; nothing otherwise.</summary>
internal sealed class WatchdogService(Notifications notifications, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = Interval();
        if (interval is null || !notifications.IsEnabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            notifications.Send("WATCHDOG=1");
            await Task.Delay(interval.Value, time, stoppingToken);
        }
    }

    /// <summary>Half the watchdog period, when the watchdog is meant for this process.</summary>
    internal static TimeSpan? Interval()
    {
        var usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!long.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds) || microseconds <= 0
            || (pid is not null && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture)))
        {
            return null;
        }

        return TimeSpan.FromMicroseconds(microseconds / 2.0);
    }
}
