using EtcdBackupd.Configuration;
using EtcdBackupd.Hosting;
using EtcdBackupd.Preflight;
using EtcdBackupd.Reload;

namespace EtcdBackupd.Control.Handlers;

/// <summary>
/// <c>check</c>: the preflight, run by the daemon on the configuration in force, after reading its file
/// again (is it still valid, and does it differ from what runs?). Root and <c>Control.Group</c>: like
/// <c>peers</c>, it reads and connects but changes nothing (its probe files are removed at once), and
/// the connection limits per user bound how often it runs.
/// </summary>
internal sealed class CheckHandler(LiveConfiguration live, TimeProvider time, ILogger<CheckHandler> logger)
    : ControlHandler<CheckRequest>(ProtocolJsonContext.Default.CheckRequest)
{
    public override string Name => CheckRequest.Name;

    protected override async Task<Reply> RunAsync(CheckRequest arguments, ControlCall call, CancellationToken cancellationToken)
    {
        var result = await PreflightRun.RunAsync(ConfigurationLine(), live.Current, time, logger, cancellationToken);
        return Reply.Success(result, ProtocolJsonContext.Default.CheckResult);
    }

    private CheckLine ConfigurationLine()
    {
        try
        {
            var file = DaemonConfiguration.Load(live.Path, time);
            var changes = ConfigurationChanges.Between(live.Current.Settings, file.Settings);
            return new CheckLine(CheckNames.Configuration, true, $"{live.Path}: every key known and valid"
                + (changes.Count == 0 ? "; it is the configuration in force"
                    : $"; it differs from the configuration in force in {string.Join(", ", changes.Select(Describe))}"));
        }
        catch (ConfigurationException e)
        {
            return new CheckLine(CheckNames.Configuration, false,
                $"{live.Path}: {string.Join("; ", e.Problems)}; the daemon runs on the configuration it last loaded, and a reload would be refused");
        }
    }

    private static string Describe(SettingChange change) =>
        change.Key + (ConfigurationChanges.TakesEffect(change.Key) ? " (systemctl reload etcd-backupd applies it)" : " (needs a restart)");
}
