using Microsoft.Extensions.Hosting.Systemd;

namespace EtcdBackupd.Systemd;

/// <summary>
/// sd_notify through the hosting package's notifier. It is used whenever <c>NOTIFY_SOCKET</c> is set,
/// not only when the parent is systemd, so a test can play the notify socket.
/// </summary>
internal sealed class Notifications
{
    private readonly SystemdNotifier _notifier = new();

    public bool IsEnabled => _notifier.IsEnabled;

    public void Send(string state)
    {
        if (_notifier.IsEnabled)
        {
            _notifier.Notify(new ServiceState(state));
        }
    }
}
