using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Etcd;

internal static partial class EtcdLog
{
    [LoggerMessage(EventId = 1001, EventName = "EtcdEndpointChosen", Level = LogLevel.Information,
        Message = "Using etcd endpoint {EtcdEndpoint} (etcd {EtcdVersion}) after {SkippedEndpoints} unavailable")]
    public static partial void UsingEndpoint(ILogger logger, Uri etcdEndpoint, string etcdVersion, int skippedEndpoints);

    [LoggerMessage(EventId = 1002, EventName = "EtcdEndpointUnavailable", Level = LogLevel.Warning,
        Message = "etcd endpoint {EtcdEndpoint} is unavailable: {Reason}")]
    public static partial void EndpointUnavailable(ILogger logger, Uri etcdEndpoint, string reason);
}
