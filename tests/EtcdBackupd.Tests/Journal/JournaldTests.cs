using System.Text;
using System.Text.Json.Nodes;
using EtcdBackupd.Journal;
using EtcdBackupd.Tests.Support;
using EtcdBackupd.Tests.Systemd;

namespace EtcdBackupd.Tests.Journal;

/// <summary>
/// The daemon's log events in a real systemd-journald, started standalone in a journal namespace of its
/// own (its socket is /run/systemd/journal.NAMESPACE/socket), read back with journalctl.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed class JournaldTests
{
    /// <summary>How long an entry may take to reach journalctl, and how often to ask it (each look runs journalctl).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    private readonly string _namespace = "ebt" + Guid.NewGuid().ToString("N")[..8];
    private System.Diagnostics.Process? _journald;
    private TempDirectory _dir = null!;

    private string RuntimeDirectory => $"/run/systemd/journal.{_namespace}";

    private string Socket => Path.Combine(RuntimeDirectory, "socket");

    [OneTimeSetUp]
    public async Task StartJournaldAsync()
    {
        if (Environment.UserName != "root")
        {
            Assert.Ignore("systemd-journald needs root (CI runs as root)");
        }

        _dir = new TempDirectory("journal");
        if (!File.Exists("/etc/machine-id") || new FileInfo("/etc/machine-id").Length == 0)
        {
            await ProcessRunner.RunAsync("systemd-machine-id-setup", []);
        }

        Directory.CreateDirectory(RuntimeDirectory);
        _journald = ProcessRunner.StartBackground("/lib/systemd/systemd-journald", [_namespace], _dir.Combine("journald.log"));
        await Eventually.UntilAsync(() => File.Exists(Socket), TimeSpan.FromSeconds(20), "systemd-journald to bind its socket");
    }

    [OneTimeTearDown]
    public void StopJournald()
    {
        if (_journald is not null)
        {
            ProcessRunner.Kill(_journald);
            _journald.Dispose();
        }

        var machineId = File.Exists("/etc/machine-id") ? File.ReadAllText("/etc/machine-id").Trim() : "";
        foreach (var path in new[] { RuntimeDirectory, $"/var/log/journal/{machineId}.{_namespace}", $"/run/log/journal/{machineId}.{_namespace}" })
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }

        _dir?.Dispose();
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Daemon_SnapshotEvents_AreInTheJournalWithTheirFields()
    {
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        var snapshots = Directory.CreateDirectory(_dir.Combine("snapshots")).FullName;
        await using (var daemon = StartDaemon(NotifyTests.DaemonConfig(cluster, snapshots), "ok"))
        {
            await Eventually.UntilAsync(() => Directory.GetFiles(snapshots, "*.json").Length == 1, Patience, "a snapshot", Poll);
            Assert.That(await daemon.TerminateAsync(TimeSpan.FromSeconds(25)), Is.Zero);
        }

        var manifest = EtcdBackupd.Snapshots.SnapshotManifest.FromJson(File.ReadAllBytes(Directory.GetFiles(snapshots, "*.json")[0]))!;

        var entries = await JournalAsync($"SNAPSHOT_REVISION={manifest.Revision}", "SYSLOG_IDENTIFIER=etcd-backupd");

        // Other tests in this journal take snapshots of the same revision: this one's is told by its directory.
        var completed = entries.Single(e => Field(e, "EVENT_NAME") == "SnapshotCompleted" && Field(e, "SNAPSHOT_PATH").StartsWith(snapshots + "/", StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(Field(completed, "SNAPSHOT_PATH"), Does.EndWith(manifest.FileName));
            Assert.That(Field(completed, "SNAPSHOT_SHA256"), Is.EqualTo(manifest.Sha256));
            Assert.That(Field(completed, "SNAPSHOT_SIZE_BYTES"), Is.EqualTo(manifest.SizeBytes.ToString()));
            Assert.That(Field(completed, "PRIORITY"), Is.EqualTo("6"));
            Assert.That(Field(completed, "MESSAGE_ID"), Is.EqualTo(JournalEntry.MessageId("SnapshotCompleted")).And.Length.EqualTo(32));
            Assert.That(Field(completed, "MESSAGE"), Does.Contain("saved and verified"));
        });
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Daemon_FailureWithAnException_KeepsTheMultiLineTextWhole()
    {
        var snapshots = Directory.CreateDirectory(_dir.Combine("failing")).FullName;
        var config = new JsonObject
        {
            ["Etcd"] = new JsonObject { ["Endpoints"] = new JsonArray($"http://127.0.0.1:{EtcdCluster.FreePort()}"), ["DialTimeoutSeconds"] = 1 },
            ["Snapshots"] = new JsonObject { ["Directory"] = snapshots, ["TakenBy"] = "every" },
            ["Metrics"] = new JsonObject { ["TextfilePath"] = "off" },
            ["Control"] = new JsonObject { ["SocketPath"] = snapshots + ".sock" },
        };
        await using (var daemon = StartDaemon(config, "failing"))
        {
            await Eventually.UntilAsync(async () => (await JournalAsync("EVENT_NAME=SnapshotFailed")).Count > 0, Patience, "a SnapshotFailed entry", Poll);
            await daemon.TerminateAsync(TimeSpan.FromSeconds(25));
        }

        var failed = (await JournalAsync("EVENT_NAME=SnapshotFailed")).First();

        Assert.That(Field(failed, "PRIORITY"), Is.EqualTo("3"));
        Assert.That(Field(failed, "FAILURE_KIND"), Is.EqualTo("EtcdUnavailable"));
        var exception = Field(failed, "EXCEPTION");
        Assert.That(exception, Does.StartWith("EtcdBackupd.Snapshots.SnapshotException: no etcd endpoint answered"));
        Assert.That(exception.Split('\n'), Has.Length.GreaterThan(2), "the stack trace arrived as one multi-line field");
        Assert.That(Field(failed, "MESSAGE"), Does.Contain("\n   at "));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Daemon_OffsiteCopyToAnEndpointThatIsDown_IsAnErrorEntryNamingItsTargetInOffsiteTarget()
    {
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        var snapshots = Directory.CreateDirectory(_dir.Combine("offsite")).FullName;
        var credentials = _dir.Combine("offsite-credentials");
        File.WriteAllText(credentials, "[default]\naws_access_key_id = AKIAJOURNALTEST00001\naws_secret_access_key = journaltestsecret\n");
        File.SetUnixFileMode(credentials, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var config = NotifyTests.DaemonConfig(cluster, snapshots);
        config["Offsite"] = new JsonObject
        {
            ["Targets"] = new JsonArray(new JsonObject
            {
                // Nothing listens there: the upload fails at once, and the snapshot must not.
                ["Name"] = "far-away", ["Endpoint"] = $"http://127.0.0.1:{EtcdCluster.FreePort()}/", ["Bucket"] = "b", ["Prefix"] = "c/",
                ["CredentialsFile"] = credentials,
            }),
            ["Attempts"] = 1,
        };
        await using (var daemon = StartDaemon(config, "offsite"))
        {
            await Eventually.UntilAsync(async () => (await JournalAsync("EVENT_NAME=OffsiteCopyFailed")).Count > 0, Patience, "an OffsiteCopyFailed entry", Poll);
            await daemon.TerminateAsync(TimeSpan.FromSeconds(25));
        }

        var failed = (await JournalAsync("EVENT_NAME=OffsiteCopyFailed")).First();
        var saved = await JournalAsync("EVENT_NAME=SnapshotCompleted", $"SNAPSHOT_PATH={Directory.GetFiles(snapshots, "*.db").Single()}");

        Assert.That(Field(failed, "OFFSITE_TARGET"), Is.EqualTo("far-away"));
        Assert.That(Field(failed, "PRIORITY"), Is.EqualTo("3"));
        Assert.That(Field(failed, "MESSAGE"), Does.Contain("far-away").And.Not.Contain("Exception:"));
        Assert.That(saved, Has.Count.EqualTo(1), "the snapshot itself was saved");
    }

    private DaemonProcess StartDaemon(JsonObject config, string name)
    {
        config["Logging"] = new JsonObject { ["Target"] = "journal", ["JournalSocket"] = Socket };
        return DaemonProcess.Start(Backupd.WriteConfig(_dir.Combine($"{name}.json"), config), _dir.Combine($"{name}.log"));
    }

    private async Task<List<JsonObject>> JournalAsync(params string[] matches)
    {
        var result = await ProcessRunner.RunAsync("journalctl", [$"--namespace={_namespace}", "-o", "json", "--no-pager", .. matches]);
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
    }

    /// <summary>journalctl prints text as a string, and bytes it considers unprintable as an array of numbers.</summary>
    private static string Field(JsonObject entry, string name) => entry[name] switch
    {
        JsonArray bytes => Encoding.UTF8.GetString(bytes.Select(b => (byte)b!.GetValue<int>()).ToArray()),
        JsonNode node => node.GetValue<string>(),
        null => throw new AssertionException($"no field {name} in {entry.ToJsonString()}"),
    };
}
