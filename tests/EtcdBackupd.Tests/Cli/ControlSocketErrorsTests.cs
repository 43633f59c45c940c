using System.Net.Sockets;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Cli;

/// <summary>etcd-backupctl when the daemon cannot be reached: what to do about it, in words, exit 3.</summary>
[Parallelizable(ParallelScope.None)]
internal sealed class ControlSocketErrorsTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task Status_NoSocket_AsksWhetherTheDaemonRuns()
    {
        using var dir = new TempDirectory("ctl-none");

        var result = await Backupctl.RunAsync(dir.Combine("control.sock"), "status");

        Assert.That(result.ExitCode, Is.EqualTo(3), result.ToString);
        Assert.That(result.StandardError, Does.Contain($"cannot reach etcd-backupd at {dir.Combine("control.sock")}: no such socket; is etcd-backupd running?"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Status_ASocketNobodyAnswersOn_SaysTheDaemonIsNotRunning()
    {
        using var dir = new TempDirectory("ctl-stale");
        var path = dir.Combine("control.sock");
        using (var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            // Bound, never listening, closed: the file stays, as after a daemon killed with SIGKILL. Moved first,
            // since .NET removes the file it bound when the socket closes.
            stale.Bind(new UnixDomainSocketEndPoint(path + ".bound"));
            File.Move(path + ".bound", path);
        }

        var result = await Backupctl.RunAsync(path, "status");

        Assert.That(result.ExitCode, Is.EqualTo(3), result.ToString);
        Assert.That(result.StandardError, Does.Contain($"cannot reach etcd-backupd at {path}: nothing answers on it: etcd-backupd is not running")
            .And.Not.Match(OperatorText.DotNetNames().ToString()), result.ToString);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Status_ASocketThisUserMayNotOpen_NamesTheControlGroup()
    {
        using var dir = new TempDirectory("ctl-denied");
        var path = dir.Combine("control.sock");
        using var listening = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listening.Bind(new UnixDomainSocketEndPoint(path));
        listening.Listen();
        File.SetUnixFileMode(dir.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var result = await Backupctl.RunAsAsync("nobody", "nogroup", path, "status");

        Assert.That(result.ExitCode, Is.EqualTo(3), result.ToString);
        Assert.That(result.StandardError, Does.Contain($"cannot reach etcd-backupd at {path}: permission denied: only root and members of the group in Control.Group")
            .And.Not.Match(OperatorText.DotNetNames().ToString()), result.ToString);
    }
}
