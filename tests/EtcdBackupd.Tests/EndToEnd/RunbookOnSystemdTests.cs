using System.Globalization;
using System.Text.Json.Nodes;
using EtcdBackupd.Etcd;
using EtcdBackupd.Etcd.Protocol;
using EtcdBackupd.Tests.Support;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.EndToEnd;

/// <summary>
/// The runbook, end to end, on real systemd: three Debian 12 containers booted with systemd as PID 1
/// (systemd-nspawn), on their own loopback addresses, each with etcd as the runbook's TLS unit, a
/// kube-apiserver STAND-IN unit (kube-apiserver is not packaged here; it holds an etcd watch on
/// /registry/ as the API server does) and OpenSSH. Our .deb is rolled out by the Ansible playbook in
/// deploy/ansible, then the runbook: status, an ad-hoc snapshot, its copies, the data lost on every
/// master, one cluster restore, the keys back, the journal's audit trail.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed class RunbookOnSystemdTests
{
    private static readonly string[] Addresses = ["127.0.0.11", "127.0.0.12", "127.0.0.13"];

    // Not the package's default: the role creates it (0700) on every master.
    private const string SnapshotDirectory = "/srv/etcd-backups";
    private TempDirectory _dir = null!;
    private TestPki _pki = null!;
    private readonly List<NspawnContainer> _masters = [];

    private static void Say(string line) => TestContext.Progress.WriteLine("runbook: " + line);

    [OneTimeSetUp]
    public async Task BootThreeMastersAsync()
    {
        _ = Packages.Deb;
        _dir = new TempDirectory("runbook");
        _pki = await TestPki.CreateAsync(_dir.Path, "cluster", Addresses);
        await SshServer.KeyPairAsync(_dir.Combine("controller"));
        var shared = Directory.CreateDirectory(_dir.Combine("shared")).FullName;
        foreach (var (file, name) in new[] { (_pki.CaFile, "ca.pem"), (_pki.ServerCert, "etcd.pem"), (_pki.ServerKey, "etcd-key.pem"), (_dir.Combine("controller.pub"), "controller.pub") })
        {
            File.Copy(file, Path.Combine(shared, name));
        }

        await File.WriteAllTextAsync(Path.Combine(shared, "kube-apiserver.service"), StandInUnit);
        for (var i = 0; i < Addresses.Length; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(shared, $"etcd-{i}.service"), EtcdUnit(i));
            Say($"boot master{i + 1} ({Addresses[i]}) with systemd as PID 1");
            _masters.Add(await NspawnContainer.BootAsync($"master{i + 1}-{Environment.ProcessId}", _dir.Combine($"master{i + 1}.log"), $"--bind-ro={shared}:/srv/test"));
            await _masters[i].MustRunAsync("sh", "-c", Prepare(i));
        }

        Say("start etcd on every master (Type=notify: together, for quorum), then the kube-apiserver stand-ins");
        await Task.WhenAll(_masters.Select(m => m.MustRunAsync("systemctl", "start", "etcd.service")));
        await Task.WhenAll(_masters.Select(m => m.MustRunAsync("systemctl", "start", "kube-apiserver.service")));
        var knownHosts = new List<string>();
        for (var i = 0; i < _masters.Count; i++)
        {
            var key = (await _masters[i].MustRunAsync("cat", "/etc/ssh/ssh_host_ed25519_key.pub")).StandardOutput.Split(' ');
            knownHosts.Add($"{Addresses[i]} {key[0]} {key[1]}");
        }

        await File.WriteAllLinesAsync(_dir.Combine("known_hosts"), knownHosts);
    }

    [OneTimeTearDown]
    public async Task PowerOffAsync()
    {
        foreach (var master in _masters)
        {
            await master.DisposeAsync();
        }

        _dir.Dispose();
    }

    [Test]
    [Order(1)]
    [CancelAfter(900_000)]
    public async Task Runbook_DeployedByAnsible_SnapshotCopiesLossAndOneClusterRestoreBringEveryKeyBack()
    {
        Say("ansible-playbook deploy/ansible/site.yml: the package, keys, pinned host keys, configuration, service");
        var deploy = await AnsibleAsync();
        Assert.That(deploy.ExitCode, Is.Zero, deploy.ToString);
        var again = await AnsibleAsync();
        Assert.That(again.ExitCode, Is.Zero, again.ToString);
        Assert.That(Recap(again.StandardOutput), Has.All.Contain("changed=0"), "a second run changes nothing:\n" + again.StandardOutput);
        var check = await AnsibleAsync("--check");
        Assert.That(Recap(check.StandardOutput), Has.All.Contain("changed=0").And.All.Contain("failed=0"), check.StandardOutput);
        Say("second run and check mode: changed=0 on every master");

        for (var i = 0; i < _masters.Count; i++)
        {
            var status = await _masters[i].RunAsync("etcd-backupctl", "status");
            Say($"master{i + 1}: etcd-backupctl status\n{status.StandardOutput}");
            Assert.That(status.ExitCode, Is.Zero, status.ToString);
            Assert.That(status.StandardOutput, Does.Contain($"healthy, https://{Addresses[i]}:2379/"));
        }

        var keys = await WriteKubernetesLikeKeysAsync();
        Say($"wrote {keys.Length} keys under /registry/; master1: etcd-backupctl snapshot");
        var snapshot = await _masters[0].RunAsync("etcd-backupctl", "snapshot", "--json");
        Assert.That(snapshot.ExitCode, Is.Zero, snapshot.ToString);
        var result = JsonNode.Parse(snapshot.StandardOutput)!;
        var path = result["path"]!.GetValue<string>();
        Assert.That(result["peers"]!.AsArray().Select(p => p!["ok"]!.GetValue<bool>()), Is.EqualTo(new[] { true, true }), snapshot.StandardOutput);
        var sha = (await _masters[0].MustRunAsync("sha256sum", path)).StandardOutput.Split(' ')[0];
        foreach (var peer in _masters.Skip(1))
        {
            Assert.That((await peer.MustRunAsync("sha256sum", path)).StandardOutput.Split(' ')[0], Is.EqualTo(sha));
        }

        Say($"{Path.GetFileName(path)} is on all three masters, SHA-256 {sha[..16]}...");
        await PutAsync(0, "/registry/pods/default/written-after-the-snapshot");
        foreach (var master in _masters)
        {
            await master.MustRunAsync("mv", "/var/lib/etcd/member", "/var/lib/etcd/member.lost");
        }

        Say("the data is lost on every master: mv /var/lib/etcd/member /var/lib/etcd/member.lost");
        var restore = await _masters[0].RunAsync("etcd-backupctl", "restore", Path.GetFileName(path), "--cluster", "--yes");
        Say("master1: etcd-backupctl restore FILE --cluster --yes\n" + restore.StandardError);
        if (restore.ExitCode != 0)
        {
            Assert.Fail(restore + "\n" + await EtcdJournalsAsync());
        }

        var leaders = new HashSet<ulong>();
        for (var i = 0; i < _masters.Count; i++)
        {
            Assert.That(await RegistryKeysAsync(i), Is.EqualTo(keys), $"master{i + 1} serves the snapshot's keys, and only those");
            await using var connection = await ConnectAsync(i);
            leaders.Add(connection.Status.Leader);
            await StandInActiveAsync(_masters[i]);
            var journal = await _masters[i].MustRunAsync("journalctl", "-u", "etcd-backupd", "--no-pager", "-o", "cat", "EVENT_NAME=RestoreStep");
            Assert.That(journal.StandardOutput, Does.Contain("Restore: stop etcd.service").And.Contain("Restore: start kube-apiserver.service"));
        }

        Assert.That(leaders, Has.Count.EqualTo(1), "one leader");
        var revision = result["revision"]!.ToString();
        var audit = await _masters[0].MustRunAsync("journalctl", "-u", "etcd-backupd", "--no-pager", "-o", "verbose", $"SNAPSHOT_REVISION={revision}");
        Say($"every key is back on all three, one leader; master1's journal has the snapshot:\n{audit.StandardOutput.Trim()}");
        Assert.That(audit.StandardOutput, Does.Contain($"SNAPSHOT_PATH={path}"));
    }

    /// <summary>
    /// What the role set up beyond the package: the custom snapshot directory, 0700, on every master, and
    /// each master's key let in on the others only from the address its copies come from.
    /// </summary>
    [Test]
    [Order(2)]
    [CancelAfter(120_000)]
    public async Task AnsibleRole_CreatesTheCustomDirectory0700_AndAMastersKeyIsRefusedFromAnAddressNotListed()
    {
        foreach (var master in _masters)
        {
            await RequireInstalledAsync(master);
            Assert.That((await master.MustRunAsync("stat", "-c", "%a %U", SnapshotDirectory)).StandardOutput.Trim(), Is.EqualTo("700 root"), master.Name);
        }

        var authorized = (await _masters[1].MustRunAsync("cat", "/root/.ssh/authorized_keys")).StandardOutput;
        Assert.That(authorized, Does.Contain("restrict,from=\"127.0.0.1\" ssh-ed25519 "), authorized);
        string[] ssh(string from) =>
        [
            "ssh", "-b", from, "-i", "/etc/etcd-backupd/id_ed25519", "-o", "UserKnownHostsFile=/etc/etcd-backupd/known_hosts",
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", $"root@{Addresses[1]}", "true",
        ];
        var listed = await _masters[0].RunAsync(ssh("127.0.0.1"));
        var unlisted = await _masters[0].RunAsync(ssh(Addresses[0]));
        Say($"master1's key on master2: from 127.0.0.1 exit {listed.ExitCode}; from {Addresses[0]} exit {unlisted.ExitCode}: {unlisted.StandardError.Trim()}");
        Assert.That(listed.ExitCode, Is.Zero, listed.ToString);
        Assert.That(unlisted.ExitCode, Is.Not.Zero, "the same key from an address not listed");
        Assert.That(unlisted.StandardError, Does.Contain("Permission denied"));

        // The restore asks systemd itself for the etcd unit (drop-ins and specifiers as systemd applied them).
        var snapshot = (await _masters[0].MustRunAsync("sh", "-c", $"ls {SnapshotDirectory} | grep '\\.db$' | tail -n 1")).StandardOutput.Trim();
        var plan = await _masters[0].RunAsync("etcd-backupctl", "restore", snapshot, "--dry-run", "--json");
        Say($"master1: etcd-backupctl restore {snapshot} --dry-run: name from {JsonNode.Parse(plan.StandardOutput)?["parameters"]?["name"]?["source"]}");
        Assert.That(plan.StandardOutput, Does.Contain("--name in ExecStart of systemctl show etcd.service"), plan.ToString);
    }

    /// <summary>
    /// <c>systemctl restart etcd-backupd</c> on the coordinator in the middle of a cluster restore (an
    /// upgrade, an operator): systemd's stop waits, extended, for the restore to end on every member,
    /// the client gets its answer, and the cluster is one: every key of the snapshot, one leader, one
    /// cluster ID.
    /// </summary>
    [Test]
    [Order(2)]
    [CancelAfter(600_000)]
    public async Task SystemctlRestartOfTheCoordinatorDuringAClusterRestore_WaitsForItAndEndsWithOneConsistentCluster()
    {
        var coordinator = _masters[0];
        await RequireInstalledAsync(coordinator);
        await PutAsync(0, "/registry/configmaps/default/before-the-second-snapshot");
        var keys = await RegistryKeysAsync(0);
        var snapshot = await coordinator.RunAsync("etcd-backupctl", "snapshot", "--json");
        Assert.That(snapshot.ExitCode, Is.Zero, snapshot.ToString);
        var name = Path.GetFileName(JsonNode.Parse(snapshot.StandardOutput)!["path"]!.GetValue<string>());
        await PutAsync(0, "/registry/pods/default/written-after-the-second-snapshot");
        var since = "@" + (await coordinator.MustRunAsync("date", "+%s")).StandardOutput.Trim();

        var restore = coordinator.RunAsync("etcd-backupctl", "restore", name, "--cluster", "--yes");
        await Eventually.UntilAsync(async () => (await coordinator.RunAsync("journalctl", "-u", "etcd-backupd", "--no-pager", "-o", "cat", "--since", since,
            "EVENT_NAME=RestoreStep")).StandardOutput.Contains("stop kube-apiserver.service", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "master1 to begin the cluster restore");
        Say("master1: systemctl restart etcd-backupd, in the middle of the cluster restore it coordinates");
        var restart = await coordinator.RunAsync("systemctl", "restart", "etcd-backupd");
        var result = await restore;

        Say("master1: etcd-backupctl restore FILE --cluster --yes\n" + result.StandardError);
        Assert.That(restart.ExitCode, Is.Zero, restart.ToString);
        Assert.That(result.ExitCode, Is.Zero, () => result + "\n" + EtcdJournalsAsync().Result);
        var waited = await coordinator.MustRunAsync("journalctl", "-u", "etcd-backupd", "--no-pager", "-o", "cat", "--since", since, "EVENT_NAME=StopWaitsForRestore");
        Assert.That(waited.StandardOutput, Does.Contain("waiting for"), "the stop waited for the restore");
        Assert.That((await coordinator.RunAsync("systemctl", "is-active", "etcd-backupd")).StandardOutput.Trim(), Is.EqualTo("active"));
        var statuses = new List<(ulong Leader, ulong Cluster)>();
        for (var i = 0; i < _masters.Count; i++)
        {
            Assert.That(await RegistryKeysAsync(i), Is.EqualTo(keys), $"master{i + 1} serves the second snapshot's keys");
            await using var connection = await ConnectAsync(i);
            statuses.Add((connection.Status.Leader, connection.Status.Header.ClusterId));
        }

        Assert.That(statuses.Distinct().Count(), Is.EqualTo(1), "one leader and one cluster ID on all three");
    }

    /// <summary>
    /// The issue's worst case under the unit's real sandbox: every master lost its data and its snapshot
    /// directory; left is a snapshot the operator saved with <c>etcdctl snapshot save</c> in
    /// <c>/root/offsite/</c>, no manifest. The daemon cannot see <c>/root</c> (<c>ProtectHome=</c>), so the
    /// CLI sends the open file; the daemon checks it, imports it, pushes it to every member and restores.
    /// </summary>
    [Test]
    [Order(3)]
    [CancelAfter(600_000)]
    public async Task ClusterRestoreOfAnOperatorsFileInRoot_AfterEveryMasterLostDataAndSnapshots_BringsEveryKeyBackUnderTheSandbox()
    {
        var coordinator = _masters[0];
        await RequireInstalledAsync(coordinator);
        Assert.That((await coordinator.MustRunAsync("systemctl", "show", "-p", "ProtectHome", "--value", "etcd-backupd")).StandardOutput.Trim(),
            Is.Not.EqualTo("no"), "the installed unit hides /root from the daemon");
        await PutAsync(0, "/registry/secrets/default/kept-offsite");
        var keys = await RegistryKeysAsync(0);
        const string file = "/root/offsite/etcd-cron-2026-01-01.db";
        await coordinator.MustRunAsync("install", "-d", "-m", "0700", "/root/offsite");
        await coordinator.MustRunAsync("env", "ETCDCTL_API=3", "etcdctl", $"--endpoints=https://{Addresses[0]}:2379", "--cacert=/etc/kubernetes/ssl/ca.pem",
            "--cert=/etc/kubernetes/ssl/etcd.pem", "--key=/etc/kubernetes/ssl/etcd-key.pem", "snapshot", "save", file);
        var sha = (await coordinator.MustRunAsync("sha256sum", file)).StandardOutput.Split(' ')[0];
        await PutAsync(0, "/registry/pods/default/written-after-the-offsite-snapshot");
        foreach (var master in _masters)
        {
            await master.MustRunAsync("sh", "-c", $"rm -rf /var/lib/etcd/member.lost && mv /var/lib/etcd/member /var/lib/etcd/member.lost && find {SnapshotDirectory} -mindepth 1 -delete");
        }

        Say($"every master lost /var/lib/etcd/member and everything in {SnapshotDirectory}; master1 keeps {file} (etcdctl snapshot save, no manifest)");
        var restore = await coordinator.RunAsync("etcd-backupctl", "restore", file, "--cluster", "--yes");
        Say($"master1: etcd-backupctl restore {file} --cluster --yes\n" + restore.StandardError);
        if (restore.ExitCode != 0)
        {
            Assert.Fail(restore + "\n" + await EtcdJournalsAsync());
        }

        Assert.That(restore.StandardError, Does.Contain($"imported '{file}' as "), restore.ToString);
        var names = new HashSet<string>();
        var statuses = new HashSet<(ulong Leader, ulong Cluster)>();
        for (var i = 0; i < _masters.Count; i++)
        {
            Assert.That(await RegistryKeysAsync(i), Is.EqualTo(keys), $"master{i + 1} serves the kept snapshot's keys, and only those");
            await using var connection = await ConnectAsync(i);
            statuses.Add((connection.Status.Leader, connection.Status.Header.ClusterId));
            await StandInActiveAsync(_masters[i]);
            var held = (await _masters[i].MustRunAsync("sh", "-c", $"cd {SnapshotDirectory} && ls etcd-snapshot-*-imported-r*.db")).StandardOutput.Trim();
            Assert.That((await _masters[i].MustRunAsync("sha256sum", $"{SnapshotDirectory}/{held}")).StandardOutput.Split(' ')[0], Is.EqualTo(sha),
                $"master{i + 1} holds the operator's file, byte for byte");
            var manifest = JsonNode.Parse((await _masters[i].MustRunAsync("cat", $"{SnapshotDirectory}/{Path.ChangeExtension(held, ".json")}")).StandardOutput)!;
            Assert.That(manifest["imported"]?["origin"]?.GetValue<string>(), Is.EqualTo(file), $"master{i + 1}'s manifest says where it came from");
            names.Add(held);
        }

        Say($"every key is back on all three, one leader and one cluster ID; every master holds {names.First()}");
        Assert.That(names, Has.Count.EqualTo(1), "every member names it the same way");
        Assert.That(statuses, Has.Count.EqualTo(1), "one leader and one cluster ID on all three");
    }

    /// <summary>
    /// Under real systemd: <c>systemctl reload</c> puts a changed schedule in force and refuses a broken
    /// file with the daemon still running; right after <c>systemctl restart</c>, the status line
    /// systemd shows names the newest snapshot on disk, not "no snapshot".
    /// </summary>
    [Test]
    [Order(3)]
    [CancelAfter(300_000)]
    public async Task SystemctlReloadAndRestart_ReloadTakesAScheduleOrRefusesABrokenFile_AndTheStatusLineNamesTheNewestSnapshotAtOnce()
    {
        var master = _masters[0];
        await RequireInstalledAsync(master);
        const string config = "/etc/etcd-backupd/etcd-backupd.json";
        await master.MustRunAsync("cp", config, "/root/etcd-backupd.json.kept");
        var before = JsonNode.Parse((await master.RunAsync("etcd-backupctl", "status", "--json")).StandardOutput)!;

        // The role's file has comments (the daemon reads JSON with comments): an edit in place, as an operator makes it.
        await master.MustRunAsync("sed", "-i", "s/\"0 5 \\* \\* \\*\"/\"17 3 * * *\"/", config);
        await master.MustRunAsync("grep", "-q", "17 3 \\* \\* \\*", config);
        var reload = await master.RunAsync("systemctl", "reload", "etcd-backupd");
        var after = JsonNode.Parse((await master.RunAsync("etcd-backupctl", "status", "--json")).StandardOutput)!;
        Say($"master1: Schedules ['17 3 * * *']; systemctl reload etcd-backupd: next scheduled {before["nextScheduled"]} -> {after["nextScheduled"]}");
        Assert.That(reload.ExitCode, Is.Zero, reload.ToString);
        Assert.That(after["nextScheduled"]!.GetValue<DateTimeOffset>().UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture), Is.EqualTo("03:17"));

        await master.MustRunAsync("sh", "-c", $"echo '{{ \"Snapshots\": ' > {config}");
        var broken = await master.RunAsync("systemctl", "reload", "etcd-backupd");
        var statusText = (await master.MustRunAsync("systemctl", "show", "-p", "StatusText", "--value", "etcd-backupd")).StandardOutput.Trim();
        Say($"master1: a broken file; systemctl reload exits {broken.ExitCode}; status: {statusText}");
        Assert.That((await master.RunAsync("systemctl", "is-active", "etcd-backupd")).StandardOutput.Trim(), Is.EqualTo("active"));
        Assert.That(statusText, Does.Contain("configuration reload refused"));
        var kept = JsonNode.Parse((await master.RunAsync("etcd-backupctl", "status", "--json")).StandardOutput)!;
        Assert.That(kept["nextScheduled"]!.ToString(), Is.EqualTo(after["nextScheduled"]!.ToString()), "the configuration in force stays");

        await master.MustRunAsync("cp", "/root/etcd-backupd.json.kept", config);
        await master.MustRunAsync("systemctl", "restart", "etcd-backupd");
        var restarted = (await master.MustRunAsync("systemctl", "show", "-p", "StatusText", "--value", "etcd-backupd")).StandardOutput.Trim();
        var newest = before["newestSnapshot"]!["createdAt"]!.GetValue<DateTimeOffset>().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        Say($"master1: systemctl restart etcd-backupd; at once: {restarted}");
        Assert.That(restarted, Does.Contain($"newest snapshot {newest}Z"));
    }

    /// <summary>The installed unit: the runbook test, first, deployed the package.</summary>
    [Test]
    [Order(4)]
    [CancelAfter(120_000)]
    public async Task InstalledUnit_VerifiesCleanAndItsSecurityScoreIsRecorded()
    {
        await RequireInstalledAsync(_masters[0]);

        var verify = await _masters[0].RunAsync("systemd-analyze", "verify", "/lib/systemd/system/etcd-backupd.service");
        var security = await _masters[0].RunAsync("systemd-analyze", "security", "etcd-backupd.service");
        Say("systemd-analyze security etcd-backupd.service: " + security.StandardOutput.Trim().Split('\n')[^1]);

        Assert.That(verify.ExitCode, Is.Zero, verify.ToString);
        Assert.That(verify.StandardOutput + verify.StandardError, Is.Empty, "systemd-analyze verify is silent on the installed unit");
        Assert.That(security.StandardOutput, Does.Match(@"Overall exposure level for etcd-backupd.service: [0-4]\.\d OK"));
    }

    /// <summary>Last: takes the package off the third master, whose copies came from the runbook test.</summary>
    [Test]
    [Order(5)]
    [CancelAfter(120_000)]
    public async Task RemovingThePackage_LeavesTheSnapshotsInPlace()
    {
        var master = _masters[^1];
        await RequireInstalledAsync(master);
        var before = (await master.MustRunAsync("sh", "-c", "ls " + SnapshotDirectory + "")).StandardOutput;
        Assert.That(before, Does.Contain(".db"), "the runbook left snapshot copies on this master");

        await master.MustRunAsync("dpkg", "-r", "etcd-backupd");

        Assert.That((await master.RunAsync("sh", "-c", "command -v etcd-backupd")).ExitCode, Is.Not.Zero, "the binaries are gone");
        Assert.That((await master.MustRunAsync("sh", "-c", "ls " + SnapshotDirectory + "")).StandardOutput, Is.EqualTo(before));
        Assert.That((await master.RunAsync("test", "-f", "/etc/etcd-backupd/etcd-backupd.json")).ExitCode, Is.Zero, "a removal (not a purge) keeps the configuration");
    }

    private static async Task RequireInstalledAsync(NspawnContainer master)
    {
        if ((await master.RunAsync("dpkg", "-s", "etcd-backupd")).ExitCode != 0)
        {
            Assert.Fail("etcd-backupd is not installed: the runbook test (Order 1) deploys it and failed first");
        }
    }

    /// <summary>The restore started the stand-in; if it is not running now, its journal says why.</summary>
    private static async Task StandInActiveAsync(NspawnContainer master)
    {
        var state = (await master.RunAsync("systemctl", "is-active", "kube-apiserver.service")).StandardOutput.Trim();
        if (state != "active")
        {
            var journal = await master.RunAsync("journalctl", "-u", "kube-apiserver.service", "--no-pager", "-n", "20");
            Assert.Fail($"{master.Name}: the kube-apiserver stand-in is {state} after the restore:\n{journal.StandardOutput}");
        }
    }

    /// <summary>What etcd itself said on every master, for a restore that failed.</summary>
    private async Task<string> EtcdJournalsAsync()
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < _masters.Count; i++)
        {
            // etcd is chatty: its starts, stops, errors and panics are what explain a failed restore.
            var journal = await _masters[i].RunAsync("sh", "-c",
                "journalctl -u etcd.service --no-pager -o short-monotonic | grep -iE 'panic|fatal|error|exit|fail|signal|systemd|leader|mismatch' | tail -n 40");
            text.Append($"--- master{i + 1}: journalctl -u etcd.service (starts, stops, errors)\n{journal.StandardOutput}");
        }

        return text.ToString();
    }

    private async Task<ProcessResult> AnsibleAsync(params string[] extra)
    {
        var inventory = _dir.Combine("inventory.ini");
        await File.WriteAllTextAsync(inventory, $"""
            [etcd_masters]
            {string.Join('\n', Addresses.Select((a, i) => $"master{i + 1} ansible_host={a}"))}

            [etcd_masters:vars]
            ansible_user=root
            ansible_python_interpreter=/usr/bin/python3
            ansible_ssh_private_key_file={_dir.Combine("controller")}
            ansible_ssh_common_args='-o UserKnownHostsFile={_dir.Combine("known_hosts")} -o StrictHostKeyChecking=yes'
            etcd_backupd_package={Packages.Deb}
            etcd_backupd_ca_file=/etc/kubernetes/ssl/ca.pem
            etcd_backupd_cert_file=/etc/kubernetes/ssl/etcd.pem
            etcd_backupd_key_file=/etc/kubernetes/ssl/etcd-key.pem
            etcd_backupd_directory={SnapshotDirectory}
            # The containers share the host's loopback: a connection to 127.0.0.12 leaves from 127.0.0.1.
            etcd_backupd_copies_from=127.0.0.1
            """);
        var environment = new Dictionary<string, string>
        {
            ["ANSIBLE_NOCOLOR"] = "1",
            ["ANSIBLE_PIPELINING"] = "1",
            // No ControlPersist master left running after the test.
            ["ANSIBLE_SSH_ARGS"] = "-o ControlMaster=no",
            ["ANSIBLE_LOCAL_TEMP"] = _dir.Combine("ansible-tmp"),
            ["ANSIBLE_HOME"] = _dir.Combine("ansible-home"),
            ["ANSIBLE_RETRY_FILES_ENABLED"] = "0",
        };
        var playbook = Path.Combine(EtcdBinaries.RepositoryRoot(), "deploy", "ansible", "site.yml");
        var result = await ProcessRunner.RunAsync("ansible-playbook", ["-i", inventory, playbook, .. extra], environment, TimeSpan.FromMinutes(8));
        Say($"ansible-playbook {string.Join(' ', extra)}: " + string.Join("; ", Recap(result.StandardOutput)));
        return result;
    }

    private static IEnumerable<string> Recap(string output) =>
        output.Split('\n').SkipWhile(l => !l.StartsWith("PLAY RECAP", StringComparison.Ordinal)).Skip(1).Where(l => l.Contains(" : ok=", StringComparison.Ordinal)).Select(l => l.Trim());

    /// <summary>The runbook's etcd unit for one master, on its own address, TLS for clients and peers.</summary>
    private static string EtcdUnit(int i)
    {
        var me = Addresses[i];
        var cluster = string.Join(',', Addresses.Select(a => $"etcd-{a}=https://{a}:2380"));
        return $"""
            [Unit]
            Description=Etcd Server
            After=network.target

            [Service]
            Type=notify
            WorkingDirectory=/var/lib/etcd/
            ExecStart=/usr/bin/etcd \
              --name=etcd-{me} \
              --cert-file=/etc/kubernetes/ssl/etcd.pem \
              --key-file=/etc/kubernetes/ssl/etcd-key.pem \
              --peer-cert-file=/etc/kubernetes/ssl/etcd.pem \
              --peer-key-file=/etc/kubernetes/ssl/etcd-key.pem \
              --trusted-ca-file=/etc/kubernetes/ssl/ca.pem \
              --peer-trusted-ca-file=/etc/kubernetes/ssl/ca.pem \
              --client-cert-auth --peer-client-cert-auth \
              --initial-advertise-peer-urls=https://{me}:2380 \
              --listen-peer-urls=https://{me}:2380 \
              --listen-client-urls=https://{me}:2379 \
              --advertise-client-urls=https://{me}:2379 \
              --initial-cluster-token=etcd-cluster-0 \
              --initial-cluster={cluster} \
              --initial-cluster-state=new \
              --data-dir=/var/lib/etcd
            Restart=always
            RestartSec=5
            LimitNOFILE=65536

            [Install]
            WantedBy=multi-user.target
            """;
    }

    private const string StandInUnit = """
        [Unit]
        Description=kube-apiserver STAND-IN for the tests (kube-apiserver is not packaged here): holds an etcd watch on /registry/
        After=etcd.service

        [Service]
        Environment=ETCDCTL_API=3
        EnvironmentFile=/etc/default/kube-apiserver-stand-in
        ExecStart=/usr/bin/etcdctl --endpoints=${ENDPOINT} --cacert=/etc/kubernetes/ssl/ca.pem --cert=/etc/kubernetes/ssl/etcd.pem --key=/etc/kubernetes/ssl/etcd-key.pem watch --prefix /registry/
        Restart=always
        RestartSec=2

        [Install]
        WantedBy=multi-user.target
        """;

    /// <summary>One master's own SSH host keys and address, the controller's key, certificates, units.</summary>
    private static string Prepare(int i) => $"""
        set -e
        ssh-keygen -A -q
        mkdir -p /etc/ssh/sshd_config.d /root/.ssh /etc/kubernetes/ssl
        echo "ListenAddress {Addresses[i]}" > /etc/ssh/sshd_config.d/10-listen.conf
        install -m 0600 /srv/test/controller.pub /root/.ssh/authorized_keys
        install -m 0644 /srv/test/ca.pem /srv/test/etcd.pem /etc/kubernetes/ssl/
        install -m 0600 /srv/test/etcd-key.pem /etc/kubernetes/ssl/
        install -m 0644 /srv/test/etcd-{i}.service /etc/systemd/system/etcd.service
        install -m 0644 /srv/test/kube-apiserver.service /etc/systemd/system/kube-apiserver.service
        echo "ENDPOINT=https://{Addresses[i]}:2379" > /etc/default/kube-apiserver-stand-in
        rm -rf /var/lib/etcd && install -d -m 0700 /var/lib/etcd
        systemctl daemon-reload
        systemctl enable --now ssh.service
        systemctl enable etcd.service kube-apiserver.service
        """;

    private async Task<string[]> WriteKubernetesLikeKeysAsync()
    {
        string[] keys =
        [
            "/registry/namespaces/default", "/registry/namespaces/kube-system",
            .. Enumerable.Range(0, 10).Select(n => $"/registry/pods/default/web-{n}"),
            "/registry/secrets/kube-system/bootstrap-token-abcdef",
        ];
        foreach (var key in keys)
        {
            await PutAsync(0, key);
        }

        return [.. keys.Order()];
    }

    private async Task<EtcdConnection> ConnectAsync(int i) => await EtcdConnection.ConnectAsync(new EtcdOptions
    {
        Endpoints = [new Uri($"https://{Addresses[i]}:2379")], CaFile = _pki.CaFile, CertFile = _pki.ServerCert, KeyFile = _pki.ServerKey,
    }, NullLogger.Instance, CancellationToken.None);

    private async Task PutAsync(int i, string key)
    {
        await using var connection = await ConnectAsync(i);
        await connection.KV.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFromUtf8("{\"kind\":\"test\"}") });
    }

    private async Task<string[]> RegistryKeysAsync(int i)
    {
        await using var connection = await ConnectAsync(i);
        var response = await connection.KV.RangeAsync(new RangeRequest
        {
            Key = ByteString.CopyFromUtf8("/registry/"), RangeEnd = ByteString.CopyFromUtf8("/registry0"), KeysOnly = true,
        });
        return response.Kvs.Select(kv => kv.Key.ToStringUtf8()).Order().ToArray();
    }
}
