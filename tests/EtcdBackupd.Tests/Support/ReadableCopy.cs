using System.Text.Json.Nodes;

namespace EtcdBackupd.Tests.Support;

/// <summary>
/// A program of the build output, with what it loads, copied once per test run to a directory under /tmp
/// that every user may enter and read: a test that runs it as another user must not depend on where the
/// checkout lives (/root/etcd-backupd is mode 0700). /tmp rather than TMPDIR, which may be as private.
/// <see cref="TestRun"/> removes the directory when the test run ends.
/// </summary>
internal static class ReadableCopy
{
    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Enterable = Readable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private static readonly Lock Gate = new();
    private static string? _directory;

    /// <summary>The path of the copy of <paramref name="dll"/>, made with the files its .deps.json names on first use.</summary>
    public static string Of(string dll)
    {
        lock (Gate)
        {
            if (_directory is null)
            {
                _directory = Path.Combine("/tmp", $"etcd-backupd-tests-readable-{Guid.NewGuid():N}");
                CreateEnterable(_directory);
            }

            var copy = Path.Combine(_directory, dll);
            if (!File.Exists(copy))
            {
                // The program itself last: its presence says the copy is whole.
                foreach (var file in FilesOf(Path.GetFileNameWithoutExtension(dll)).Reverse())
                {
                    var target = Path.Combine(_directory, file);
                    CreateEnterable(Path.GetDirectoryName(target)!);
                    File.Copy(Path.Combine(AppContext.BaseDirectory, file), target, overwrite: true);
                    File.SetUnixFileMode(target, Readable);
                }
            }

            return copy;
        }
    }

    /// <summary>The program, its .deps.json and .runtimeconfig.json, and the assemblies and resources its .deps.json lists.</summary>
    private static IEnumerable<string> FilesOf(string program)
    {
        var deps = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, $"{program}.deps.json")))!;
        var libraries = deps["targets"]!.AsObject().Single().Value!.AsObject().Select(l => l.Value!).ToList();
        var assemblies = libraries.SelectMany(l => l["runtime"]?.AsObject().Select(r => Path.GetFileName(r.Key)) ?? []);
        var resources = libraries.SelectMany(l => l["resources"]?.AsObject()
            .Select(r => Path.Combine(r.Value!["locale"]!.GetValue<string>(), Path.GetFileName(r.Key))) ?? []);
        return [$"{program}.dll", $"{program}.deps.json", $"{program}.runtimeconfig.json",
            .. assemblies.Where(a => a != $"{program}.dll"), .. resources];
    }

    /// <summary>Mode 0755 whatever the umask.</summary>
    private static void CreateEnterable(string directory)
    {
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, Enterable);
    }

    /// <summary>Removes the copies, if any were made.</summary>
    public static void Remove()
    {
        lock (Gate)
        {
            if (_directory is not null)
            {
                Directory.Delete(_directory, recursive: true);
                _directory = null;
            }
        }
    }
}
