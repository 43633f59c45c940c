namespace EtcdBackupd.Metrics;

internal static partial class MetricsLog
{
    [LoggerMessage(EventId = 6001, EventName = "MetricsDisabled", Level = LogLevel.Information,
        Message = "Metrics file {MetricsPath} not written: its directory does not exist (set Metrics.TextfilePath, or 'off')")]
    public static partial void Disabled(ILogger logger, string metricsPath);

    [LoggerMessage(EventId = 6002, EventName = "MetricsWriteFailed", Level = LogLevel.Warning,
        Message = "Cannot write the metrics file {MetricsPath}: {Reason}")]
    public static partial void WriteFailed(ILogger logger, string metricsPath, string reason);
}
