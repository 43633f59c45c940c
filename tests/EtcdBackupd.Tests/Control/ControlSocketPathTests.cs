using System.Net.Sockets;
using EtcdBackupd.Control;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Control;

/// <summary>What may stand at Control.SocketPath: nothing, or a socket; anything else is the operator's, and stays.</summary>
[Category("Fast")]
internal sealed class ControlSocketPathTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void MakeDirectory() => _dir = new TempDirectory("socketpath");

    [TearDown]
    public void RemoveDirectory() => _dir.Dispose();

    [Test]
    public void CheckSocketPath_NothingThere_IsFine()
    {
        Assert.That(ControlOptions.CheckSocketPath(_dir.Combine("control.sock")), Is.Null);
    }

    [Test]
    public void CheckSocketPath_ASocketThere_IsLeftToTheServerToProbe()
    {
        var path = _dir.Combine("control.sock");
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
        }

        Assert.That(ControlOptions.CheckSocketPath(path), Is.Null);
    }

    [TestCase("a regular file")]
    [TestCase("a directory")]
    [TestCase("a symbolic link")]
    [TestCase("a FIFO")]
    public async Task CheckSocketPath_AnythingElseThere_IsAProblemNamingWhatItIs(string kind)
    {
        var path = _dir.Combine("control.sock");
        switch (kind)
        {
            case "a regular file":
                await File.WriteAllTextAsync(path, "keep me");
                break;
            case "a directory":
                Directory.CreateDirectory(path);
                break;
            case "a symbolic link":
                File.CreateSymbolicLink(path, "/etc/passwd");
                break;
            default:
                Assert.That((await ProcessRunner.RunAsync("mkfifo", [path])).ExitCode, Is.Zero);
                break;
        }

        Assert.That(ControlOptions.CheckSocketPath(path), Is.EqualTo(
            $"'{path}' is {kind}, not a socket; it is left as it is: remove it, or choose another path"));
    }

    [Test]
    public void CheckSocketPath_NoDirectory_IsAProblemNamingTheDirectory()
    {
        Assert.That(ControlOptions.CheckSocketPath(_dir.Combine("missing", "control.sock")),
            Does.StartWith($"directory '{_dir.Combine("missing")}' does not exist"));
    }
}
