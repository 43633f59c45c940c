using System.Text.Json;
using System.Text.Json.Nodes;

namespace EtcdBackupd.Tests.Support;

/// <summary>Runs the built etcd-backupd program, as cron or Ansible would.</summary>
internal static class Backupd
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "etcd-backupd.dll");

    public static Task<ProcessResult> RunAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("dotnet", [Dll, .. arguments], timeout: TimeSpan.FromMinutes(3));

    /// <summary>A one-shot command left running (to be signalled, say), its output in <paramref name="logFile"/>.</summary>
    public static System.Diagnostics.Process StartBackground(string logFile, params string[] arguments) =>
        ProcessRunner.StartBackground("dotnet", [Dll, .. arguments], logFile);

    /// <summary>The daemon itself, run to its end: for a configuration it refuses before it serves.</summary>
    public static Task<ProcessResult> RunDaemonAsync(string configFile, IDictionary<string, string>? environment = null) =>
        ProcessRunner.RunAsync("dotnet", [Dll, "--config", configFile], environment, TimeSpan.FromMinutes(1));

    /// <summary>
    /// A daemon configuration that needs no etcd to be accepted: the snapshot directory made, the control
    /// socket in <paramref name="dir"/>, no metrics file, log lines on the console.
    /// </summary>
    public static JsonObject ConfigWithoutEtcd(TempDirectory dir) => new()
    {
        ["Etcd"] = new JsonObject { ["Endpoints"] = new JsonArray("http://127.0.0.1:2379") },
        ["Snapshots"] = new JsonObject { ["Directory"] = Directory.CreateDirectory(dir.Combine("snapshots")).FullName },
        ["Control"] = new JsonObject { ["SocketPath"] = dir.Combine("control.sock") },
        ["State"] = new JsonObject { ["Directory"] = dir.Combine("state") },
        ["Metrics"] = new JsonObject { ["TextfilePath"] = "off" },
        ["Logging"] = new JsonObject { ["Target"] = "console" },
    };

    public static Task<ProcessResult> SnapshotAsync(string configFile) =>
        RunAsync("snapshot", "--config", configFile, "--json");

    /// <summary>Writes a configuration file for <paramref name="cluster"/> and returns its path.</summary>
    public static string WriteConfig(string path, EtcdCluster cluster, string snapshotDirectory, params Uri[] endpoints)
    {
        var options = cluster.ClientOptions(endpoints);
        var etcd = new JsonObject
        {
            ["Endpoints"] = new JsonArray(options.Endpoints.Select(e => (JsonNode)e.ToString()).ToArray()),
        };
        if (options.CaFile is not null)
        {
            etcd["CaFile"] = options.CaFile;
            etcd["CertFile"] = options.CertFile;
            etcd["KeyFile"] = options.KeyFile;
        }

        return WriteConfig(path, new JsonObject
        {
            ["Etcd"] = etcd,
            ["Snapshots"] = new JsonObject { ["Directory"] = snapshotDirectory },
        });
    }

    public static string WriteConfig(string path, JsonObject config)
    {
        File.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    /// <param name="result">The run of <c>etcd-backupd snapshot --json</c>.</param>
    /// <param name="exitCode">0, or 5 when a test expects a copy to fail (the snapshot is saved all the same).</param>
    public static JsonNode ParseResult(ProcessResult result, int exitCode = 0)
    {
        Assert.That(result.ExitCode, Is.EqualTo(exitCode), () => "etcd-backupd snapshot did not exit as expected: " + result);
        return JsonNode.Parse(result.StandardOutput) ?? throw new AssertionException("no JSON on stdout: " + result);
    }

    /// <summary>Names of everything in the directory that looks like a snapshot or a partial one.</summary>
    public static string[] SnapshotLikeFiles(string directory) =>
        Directory.GetFiles(directory).Select(Path.GetFileName).OfType<string>()
            .Where(f => f.EndsWith(".db", StringComparison.Ordinal) || f.EndsWith(".part", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .Order().ToArray();
}
