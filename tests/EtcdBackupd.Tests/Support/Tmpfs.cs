namespace EtcdBackupd.Tests.Support;

/// <summary>A small tmpfs mounted for one test (a full or read-only snapshot directory); unmounted on dispose.</summary>
internal sealed class Tmpfs : IAsyncDisposable
{
    private Tmpfs(string path) => Path = path;

    public string Path { get; }

    public static async Task<Tmpfs> MountAsync(string path, string size)
    {
        if (Environment.UserName != "root")
        {
            Assert.Ignore("mounting a tmpfs needs root (CI runs as root)");
        }

        Directory.CreateDirectory(path);
        await MustRun("mount", "-t", "tmpfs", "-o", $"size={size},mode=0755", "tmpfs", path);
        return new Tmpfs(path);
    }

    public Task RemountReadOnlyAsync() => MustRun("mount", "-o", "remount,ro", Path);

    /// <summary>Writes <c>filler.bin</c> until the file system is full; returns its path.</summary>
    public string FillUp()
    {
        var filler = System.IO.Path.Combine(Path, "filler.bin");
        try
        {
            using var file = File.OpenWrite(filler);
            var block = new byte[64 * 1024];
            while (true)
            {
                file.Write(block);
            }
        }
        catch (IOException)
        {
            // Full: that was the point.
        }

        return filler;
    }

    /// <summary>Fills the file system, then gives back <paramref name="bytes"/> (whole pages) of the filler: that much stays free.</summary>
    public void LeaveFree(long bytes)
    {
        var filler = FillUp();
        using var file = File.OpenWrite(filler);
        file.SetLength(Math.Max(0, file.Length - bytes));
    }

    public async ValueTask DisposeAsync() => await ProcessRunner.RunAsync("umount", ["-l", Path]);

    private static async Task MustRun(string tool, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(tool, arguments);
        Assert.That(result.ExitCode, Is.Zero, () => $"{tool} {string.Join(' ', arguments)}: {result}");
    }
}
