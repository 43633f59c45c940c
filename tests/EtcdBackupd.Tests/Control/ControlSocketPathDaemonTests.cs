using System.Net.Sockets;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Control;

/// <summary>The real daemon at start-up, with something already at Control.SocketPath, or no directory for it.</summary>
[Parallelizable(ParallelScope.None)]
internal sealed class ControlSocketPathDaemonTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task Daemon_SocketPathOnARegularFile_ExitsTwoAndLeavesTheFile()
    {
        using var dir = new TempDirectory("socketfile");
        var socket = dir.Combine("control.sock");
        await File.WriteAllTextAsync(socket, "an operator's file");

        var result = await Backupd.RunDaemonAsync(Backupd.WriteConfig(dir.Combine("config.json"), Backupd.ConfigWithoutEtcd(dir)));

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
        Assert.That(result.StandardError, Does.Contain($"Control.SocketPath: '{socket}' is a regular file, not a socket"));
        Assert.That(await File.ReadAllTextAsync(socket), Is.EqualTo("an operator's file"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Daemon_SocketPathInAMissingDirectory_ExitsTwoNamingTheKey()
    {
        using var dir = new TempDirectory("socketdir");
        var config = Backupd.ConfigWithoutEtcd(dir);
        config["Control"]!["SocketPath"] = dir.Combine("missing", "control.sock");

        var result = await Backupd.RunDaemonAsync(Backupd.WriteConfig(dir.Combine("config.json"), config));

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
        Assert.That(result.StandardError, Does.Contain($"Control.SocketPath: directory '{dir.Combine("missing")}' does not exist"));
        Assert.That(Directory.Exists(dir.Combine("missing")), Is.False, "the directory is not made on the fly");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Daemon_ASocketSomeoneAnswersOn_ExitsOneAndLeavesIt()
    {
        using var dir = new TempDirectory("livesocket");
        var socket = dir.Combine("control.sock");
        // A stand-in for another daemon: a listener the kernel answers connections for.
        using var other = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        other.Bind(new UnixDomainSocketEndPoint(socket));
        other.Listen(1);

        var result = await Backupd.RunDaemonAsync(Backupd.WriteConfig(dir.Combine("config.json"), Backupd.ConfigWithoutEtcd(dir)));

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
        Assert.That(result.StandardOutput + result.StandardError, Does.Contain("is in use: is another etcd-backupd running?"));
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        Assert.DoesNotThrow(() => client.Connect(new UnixDomainSocketEndPoint(socket)), "the other's socket is still there");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Daemon_AStaleSocket_IsReplacedAndServed()
    {
        using var dir = new TempDirectory("stalesocket");
        var socket = dir.Combine("control.sock");
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            dead.Bind(new UnixDomainSocketEndPoint(socket));
        }

        await using var daemon = DaemonProcess.Start(Backupd.WriteConfig(dir.Combine("config.json"), Backupd.ConfigWithoutEtcd(dir)), dir.Combine("daemon.log"));
        await daemon.WaitForLogAsync("Control socket", TimeSpan.FromSeconds(30));

        var answer = await Backupctl.RawAsync(socket, """{"command":"peers"}""");
        Assert.That(answer.Last()["ok"]!.GetValue<bool>(), Is.True);
    }
}
