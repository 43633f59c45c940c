using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Systemd;

/// <summary>
/// etcd-backupd.service under real systemd (PID 1 in a systemd-nspawn container), with the shipped unit
/// unchanged. The daemon runs on the host's .NET runtime, bind-mounted read-only; the packaged binaries
/// are tested on their own.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed class RealSystemdTests
{
    private TempDirectory _dir = null!;
    private EtcdCluster _cluster = null!;
    private NspawnContainer _container = null!;

    [OneTimeSetUp]
    public async Task BootAsync()
    {
        _dir = new TempDirectory("systemd");
        _cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        await SnapshotAgainstEtcdTests.WriteRegistryKeysAsync(_cluster, 10);
        File.Copy(Path.Combine(EtcdBinaries.RepositoryRoot(), "etcd-backupd.service"), _dir.Combine("etcd-backupd.service"));
        await File.WriteAllTextAsync(_dir.Combine("etcd-backupd"),
            "#!/bin/sh\nexec /opt/dotnet/dotnet /opt/etcd-backupd/etcd-backupd.dll \"$@\"\n");
        _container = await NspawnContainer.BootAsync("ebd" + Guid.NewGuid().ToString("N")[..8], _dir.Combine("nspawn.log"),
            "--bind-ro=/usr/share/dotnet:/opt/dotnet",
            $"--bind-ro={AppContext.BaseDirectory.TrimEnd('/')}:/opt/etcd-backupd",
            $"--bind={_dir.Path}:/srv/test");
        await _container.MustRunAsync("install", "-m", "0755", "/srv/test/etcd-backupd", "/usr/bin/etcd-backupd");
        await _container.MustRunAsync("install", "-m", "0644", "/srv/test/etcd-backupd.service", "/etc/systemd/system/etcd-backupd.service");
        await _container.MustRunAsync("mkdir", "-p", "/etc/etcd-backupd");
    }

    [OneTimeTearDown]
    public async Task PowerOffAsync()
    {
        await _container.DisposeAsync();
        await _cluster.DisposeAsync();
        _dir.Dispose();
    }

    [SetUp]
    public async Task StopTheServiceAsync()
    {
        await _container.RunAsync("systemctl", "stop", "etcd-backupd");
        await _container.RunAsync("systemctl", "reset-failed", "etcd-backupd");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task BadConfiguration_FailsTheUnitOnceAndSystemctlStatusNamesTheKey()
    {
        await InstallConfigAsync(Config(timeZone: "Mars/Olympus"));

        var start = await _container.RunAsync("systemctl", "start", "etcd-backupd");
        var status = await _container.RunAsync("systemctl", "status", "etcd-backupd", "--no-pager", "-l", "-n", "20");
        var show = await _container.MustRunAsync("systemctl", "show", "etcd-backupd", "-p", "ExecMainStatus,NRestarts,ActiveState");

        Assert.That(start.ExitCode, Is.Not.Zero, "systemctl start must report the failure");
        Assert.That(status.StandardOutput, Does.Contain("Snapshots.TimeZone: 'Mars/Olympus' is not a known time zone"), status.ToString);
        Assert.That(show.StandardOutput, Does.Contain("ExecMainStatus=2").And.Contain("NRestarts=0").And.Contain("ActiveState=failed"),
            "a configuration error is not restarted in a loop");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task GoodConfiguration_IsActiveSaysItIsBackedUpLogsToTheJournalAndStopsCleanly()
    {
        await InstallConfigAsync(Config(timeZone: "UTC"));

        await _container.MustRunAsync("systemctl", "start", "etcd-backupd");
        var statusText = "";
        await Eventually.UntilAsync(async () =>
            {
                statusText = (await _container.MustRunAsync("systemctl", "show", "etcd-backupd", "-p", "StatusText")).StandardOutput;
                return statusText.Contains(" ok,", StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(60), () => $"a successful snapshot in the unit's status, still {statusText}", TimeSpan.FromMilliseconds(250));

        var status = await _container.RunAsync("systemctl", "status", "etcd-backupd", "--no-pager", "-l");
        Assert.That(status.StandardOutput, Does.Contain("Active: active (running)").And.Match(@"Status: ""last snapshot \S+ \S+Z ok, revision \d+"), status.ToString);

        var completed = await _container.MustRunAsync("journalctl", "-u", "etcd-backupd", "EVENT_NAME=SnapshotCompleted", "-o", "json", "--no-pager");
        var entry = JsonNode.Parse(completed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0])!;
        var revision = entry["SNAPSHOT_REVISION"]!.GetValue<string>();
        var byRevision = await _container.MustRunAsync("journalctl", "-u", "etcd-backupd", $"SNAPSHOT_REVISION={revision}", "--no-pager");
        Assert.That(byRevision.StandardOutput, Does.Contain("saved and verified"));
        Assert.That((await _container.MustRunAsync("ls", "/var/lib/etcd-backupd")).StandardOutput, Does.Contain($"-r{revision}.db"));

        var stop = System.Diagnostics.Stopwatch.StartNew();
        await _container.MustRunAsync("systemctl", "stop", "etcd-backupd");
        var show = await _container.MustRunAsync("systemctl", "show", "etcd-backupd", "-p", "Result,ExecMainStatus");
        Assert.That(stop.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)));
        Assert.That(show.StandardOutput, Does.Contain("Result=success").And.Contain("ExecMainStatus=0"));
    }

    /// <summary>
    /// As the README says to give an operator access: a supplementary group. The shipped unit's runtime
    /// directory and its ProtectProc=invisible (another user's /proc entry hidden) both stood in the way.
    /// </summary>
    [Test]
    [CancelAfter(120_000)]
    public async Task AMemberOfControlGroupByASupplementaryGroup_ListsUnderTheShippedUnit_AndANonMemberIsRefused()
    {
        await _container.MustRunAsync("sh", "-c",
            "getent group etcd-backupd >/dev/null || groupadd --system etcd-backupd; id alice >/dev/null 2>&1 || useradd -G etcd-backupd alice; id bob >/dev/null 2>&1 || useradd bob");
        var config = Config(timeZone: "UTC");
        config["Control"] = new JsonObject { ["Group"] = "etcd-backupd" };
        // No etcd answers there: no snapshot is taken, so the other tests find the directory and the journal as before.
        config["Etcd"] = new JsonObject { ["Endpoints"] = new JsonArray("http://127.0.0.1:9") };
        await InstallConfigAsync(config);
        await _container.MustRunAsync("systemctl", "start", "etcd-backupd");

        var member = await _container.RunAsync("runuser", "-u", "alice", "--", "/opt/dotnet/dotnet", "/opt/etcd-backupd/etcd-backupctl.dll", "list");
        var other = await _container.RunAsync("runuser", "-u", "bob", "--", "/opt/dotnet/dotnet", "/opt/etcd-backupd/etcd-backupctl.dll", "list");

        Assert.That(member.ExitCode, Is.Zero, member.ToString);
        Assert.That(other.ExitCode, Is.EqualTo(3), other.ToString);
        Assert.That(other.StandardError, Does.Contain("Control.Group"), other.ToString);
    }

    private JsonObject Config(string timeZone) => new()
    {
        ["Etcd"] = new JsonObject { ["Endpoints"] = new JsonArray(_cluster.Members[0].ClientUrl.ToString()) },
        // The unit's StateDirectory= creates it, owned by root, mode 0700.
        ["Snapshots"] = new JsonObject { ["Directory"] = "/var/lib/etcd-backupd", ["TimeZone"] = timeZone },
    };

    [Test]
    [CancelAfter(120_000)]
    public async Task AUnitStillStartingOrBetweenRestarts_MayRunForARestoresStops_ThoughIsActiveSaysNo()
    {
        // An etcd of Type=notify waiting for its peers, and an API server crash-looping while etcd has no quorum.
        await File.WriteAllTextAsync(_dir.Combine("starting.service"), "[Service]\nType=notify\nExecStart=/bin/sleep 600\nTimeoutStartSec=infinity\n");
        await File.WriteAllTextAsync(_dir.Combine("looping.service"), "[Service]\nExecStart=/bin/false\nRestart=always\nRestartSec=30\n");
        foreach (var unit in new[] { "starting.service", "looping.service" })
        {
            await _container.MustRunAsync("install", "-m", "0644", $"/srv/test/{unit}", $"/etc/systemd/system/{unit}");
        }

        await _container.MustRunAsync("systemctl", "daemon-reload");
        await _container.MustRunAsync("systemctl", "start", "--no-block", "starting.service", "looping.service");
        var systemctl = _dir.Combine("systemctl-in-container");
        await File.WriteAllTextAsync(systemctl, $"#!/bin/sh\nexec nsenter -t {_container.Init} -a systemctl \"$@\"\n");
        File.SetUnixFileMode(systemctl, (UnixFileMode)0b111_101_101);
        var services = new EtcdBackupd.Restore.SystemdServiceControl(systemctl);
        try
        {
            await Eventually.UntilAsync(async () =>
                (await _container.RunAsync("systemctl", "show", "-p", "SubState", "--value", "looping.service")).StandardOutput.Trim() == "auto-restart",
                TimeSpan.FromSeconds(30), "looping.service to wait for its restart");
            foreach (var unit in new[] { "starting.service", "looping.service" })
            {
                var state = (await _container.MustRunAsync("systemctl", "show", "-p", "ActiveState", "--value", unit)).StandardOutput.Trim();
                Assert.That(state, Is.EqualTo("activating"), unit);
                Assert.That(await services.IsActiveAsync(unit, CancellationToken.None), Is.False, $"{unit}: is-active says no while {state}");
                Assert.That(await services.MayRunAsync(unit, CancellationToken.None), Is.True, $"{unit}: a stop must not be skipped while {state}");
            }

            await _container.MustRunAsync("systemctl", "stop", "starting.service", "looping.service");
            Assert.That(await services.MayRunAsync("starting.service", CancellationToken.None), Is.False, "stopped");
            Assert.That(await services.MayRunAsync("no-such.service", CancellationToken.None), Is.False, "a unit systemd does not know has nothing running");
        }
        finally
        {
            await _container.RunAsync("systemctl", "stop", "starting.service", "looping.service");
        }
    }

    private async Task InstallConfigAsync(JsonObject config)
    {
        Backupd.WriteConfig(_dir.Combine("etcd-backupd.json"), config);
        await _container.MustRunAsync("install", "-m", "0600", "/srv/test/etcd-backupd.json", "/etc/etcd-backupd/etcd-backupd.json");
        await _container.MustRunAsync("systemctl", "daemon-reload");
    }
}
