namespace EtcdBackupd.Tests.Support;

/// <summary>
/// A real S3 store on loopback, Ceph's RADOS Gateway (scripts/object-store.sh, in its trixie chroot), for
/// one test fixture: a user with keys, buckets made with s3cmd. Stopped, its data and /proc mount gone,
/// on dispose.
/// </summary>
internal sealed class ObjectStore : IAsyncDisposable
{
    public const string AccessKey = "AKIAOFFSITETEST00001";
    public const string SecretKey = "offsitetestsecret000000000000000000000001";

    private static readonly string Script = Path.Combine(EtcdBinaries.RepositoryRoot(), "scripts", "object-store.sh");
    private bool _stopped;

    private ObjectStore(int basePort, Uri endpoint)
    {
        BasePort = basePort;
        Endpoint = endpoint;
    }

    public int BasePort { get; }

    /// <summary><c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Endpoint { get; }

    public static async Task<ObjectStore> StartAsync()
    {
        var root = Environment.GetEnvironmentVariable("OBJECT_STORE_ROOT") ?? Path.Combine(EtcdBinaries.RepositoryRoot(), ".cache", "ceph-trixie");
        if (!File.Exists(Path.Combine(root, ".complete")))
        {
            Assert.Fail($"no object store chroot at {root}: run scripts/object-store.sh prepare (scripts/test.sh does)");
        }

        // Monitor on the first port, S3 on the second, Ceph's messenger on the rest (see the script).
        var basePort = EtcdCluster.FreePortBlock(30);
        var started = await ProcessRunner.RunAsync(Script, ["start", basePort.ToString()], timeout: TimeSpan.FromSeconds(120));
        var store = new ObjectStore(basePort, new Uri($"http://127.0.0.1:{basePort + 1}/"));
        if (started.ExitCode != 0)
        {
            await store.DisposeAsync();
            Assert.Fail($"the object store did not start: {started}");
        }

        var user = await ProcessRunner.RunAsync(Script, ["user", basePort.ToString(), AccessKey, SecretKey]);
        Assert.That(user.ExitCode, Is.Zero, () => $"radosgw-admin user create: {user}");
        return store;
    }

    /// <summary>s3cmd, the second client, with this store's address and keys.</summary>
    public Task<ProcessResult> S3cmdAsync(params string[] arguments) => S3cmdAsAsync(AccessKey, SecretKey, arguments);

    /// <summary>s3cmd with another user's keys (<see cref="AddUserAsync"/>).</summary>
    public Task<ProcessResult> S3cmdAsAsync(string accessKey, string secretKey, params string[] arguments) => ProcessRunner.RunAsync("s3cmd",
    [
        $"--access_key={accessKey}", $"--secret_key={secretKey}", $"--host=127.0.0.1:{BasePort + 1}",
        $"--host-bucket=127.0.0.1:{BasePort + 1}", "--no-ssl", "--config=/dev/null", .. arguments,
    ]);

    /// <summary>A second user of the store, its user ID its access key: another tool, another team, writing to a shared bucket.</summary>
    public async Task AddUserAsync(string accessKey, string secretKey)
    {
        var user = await ProcessRunner.RunAsync(Script, ["user", BasePort.ToString(System.Globalization.CultureInfo.InvariantCulture), accessKey, secretKey]);
        Assert.That(user.ExitCode, Is.Zero, () => $"radosgw-admin user create: {user}");
    }

    /// <summary>One <c>Offsite.Targets</c> entry of a daemon's configuration: this store's endpoint, <paramref name="bucket"/>, <paramref name="prefix"/>.</summary>
    public System.Text.Json.Nodes.JsonObject TargetJson(string name, string bucket, string prefix, string credentials, Uri? endpoint = null) => new()
    {
        ["Name"] = name, [nameof(Endpoint)] = (endpoint ?? Endpoint).ToString(), ["Bucket"] = bucket, ["Prefix"] = prefix, ["CredentialsFile"] = credentials,
    };

    public async Task MakeBucketAsync(string bucket)
    {
        var made = await S3cmdAsync("mb", $"s3://{bucket}");
        Assert.That(made.ExitCode, Is.Zero, () => $"s3cmd mb: {made}");
    }

    /// <summary>An AWS shared-credentials file with <paramref name="secret"/> (this store's by default), mode 0600.</summary>
    public static string CredentialsFile(TempDirectory dir, string name, string? secret = null, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = dir.Combine(name);
        File.WriteAllText(path, $"[default]\naws_access_key_id = {AccessKey}\naws_secret_access_key = {secret ?? SecretKey}\n");
        File.SetUnixFileMode(path, mode);
        return path;
    }

    /// <summary>Stops the store (a test of an endpoint that went away); dispose does it otherwise.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            var stopped = await ProcessRunner.RunAsync(Script, ["stop", BasePort.ToString()]);
            Assert.That(stopped.ExitCode, Is.Zero, () => $"object-store.sh stop: {stopped}");
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
