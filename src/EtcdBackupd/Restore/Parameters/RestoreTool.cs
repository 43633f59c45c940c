using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace EtcdBackupd.Restore;

/// <summary>
/// Which of etcd's tools restores, and whether it suits the etcd that will run the data: a tool of
/// another minor version can write a data directory that etcd refuses, and from etcd 3.6 on only
/// etcdutl restores. The tool is <c>Restore.Tool</c> when set, else the one beside the unit's etcd
/// binary (installers put both in, say, /opt/kube/bin), else the first on the PATH.
/// </summary>
internal static partial class RestoreTool
{
    private static readonly TimeSpan VersionTimeout = TimeSpan.FromSeconds(5);

    /// <summary>etcdutl first: it restores with --bump-revision, and from etcd 3.6 on it is the only one.</summary>
    private static readonly string[] Tools = ["etcdutl", "etcdctl"];

    /// <summary>
    /// Versions read, by binary path and its size and modification time: every plan and preflight asks,
    /// and running two programs each time would make a dry run slow; a replaced binary is read again.
    /// </summary>
    private static readonly ConcurrentDictionary<(string Path, long Size, DateTime Modified, string Argument), Version> Versions = new();

    public static Sourced Choose(string? configured, EtcdUnit? unit)
    {
        if (configured is not null)
        {
            return new Sourced(configured, "Restore.Tool in the configuration");
        }

        if (unit?.Executable is { } etcd && Path.GetDirectoryName(etcd) is { } directory
            && Tools.Select(t => Path.Combine(directory, t)).FirstOrDefault(File.Exists) is { } beside)
        {
            return new Sourced(beside, $"beside {etcd}, the etcd of ExecStart in {unit.Path}");
        }

        var found = Tools.Select(Locate).FirstOrDefault(t => t is not null);
        return found is null ? new Sourced("etcdctl", "neither etcdutl nor etcdctl was found beside etcd or on the PATH") : new Sourced(found, "on the PATH");
    }

    /// <summary>The file <paramref name="tool"/> names: itself when it is a path, else the first on the PATH; null when there is none.</summary>
    public static string? Locate(string tool) => tool.Contains('/', StringComparison.Ordinal)
        ? File.Exists(tool) ? tool : null
        : (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    /// <summary>Why the chosen tool cannot restore at all: it is not there; null when it is.</summary>
    public static string? Missing(Sourced tool) => Locate(tool.Value) is null
        ? $"the restore tool '{tool.Value}' ({tool.Source}) is not {(tool.Value.Contains('/', StringComparison.Ordinal) ? "there" : "on the PATH")} (etcdutl for etcd 3.5+, etcdctl for 3.4)"
        : null;

    /// <summary>Why <paramref name="tool"/> must not restore for <paramref name="etcd"/> (the unit's binary); empty when it may, or when a version cannot be read.</summary>
    /// <param name="tool">The restore tool.</param>
    /// <param name="etcd">The etcd binary that will run the restored data; null when the unit does not name one.</param>
    /// <param name="snapshotVersion">The etcd version the snapshot's manifest records, or null.</param>
    public static IReadOnlyList<string> Problems(string tool, string? etcd, string? snapshotVersion)
    {
        var problems = new List<string>();
        var toolVersion = Version(tool, "version");
        var etcdVersion = etcd is null ? null : Version(etcd, "--version");
        if (etcdVersion is { } server)
        {
            if (toolVersion is { } client && (client.Major, client.Minor) != (server.Major, server.Minor))
            {
                problems.Add($"the restore tool {tool} is {client}, but the etcd that will run the data ({etcd}) is {server}: "
                    + $"restore with the {server.Major}.{server.Minor} tool (Restore.Tool)");
            }

            if (server >= new Version(3, 6) && Path.GetFileName(tool) != "etcdutl")
            {
                problems.Add($"etcd {server} restores only with etcdutl, not {Path.GetFileName(tool)}: set Restore.Tool to etcdutl {server.Major}.{server.Minor}");
            }

            if (snapshotVersion is not null && Parse(snapshotVersion) is { } taken
                && !((taken.Major, taken.Minor) == (server.Major, server.Minor) || (taken.Major == server.Major && taken.Minor + 1 == server.Minor)))
            {
                problems.Add($"the snapshot was taken by etcd {taken}; etcd {server} restores a snapshot of its own minor version or the one before");
            }
        }

        return problems;
    }

    /// <summary>The first X.Y.Z a program prints for <paramref name="argument"/>, or null when it prints none (or cannot run).</summary>
    private static Version? Version(string program, string argument)
    {
        if (Locate(program) is not { } file)
        {
            return null;
        }

        var info = new FileInfo(file);
        var key = (info.FullName, info.Length, info.LastWriteTimeUtc, argument);
        if (Versions.TryGetValue(key, out var known))
        {
            return known;
        }

        // Only a version read is kept: a run that timed out on a busy host would otherwise turn the checks off until a restart.
        var read = Read(file, argument);
        if (read is not null)
        {
            Versions[key] = read;
        }

        return read;
    }

    private static Version? Read(string program, string argument)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, argument) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            var output = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(VersionTimeout))
            {
                process.Kill();
                return null;
            }

            return Parse(output.Result);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }

    private static Version? Parse(string text) => SemVer().Match(text) is { Success: true } m ? new Version(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value)) : null;

    [GeneratedRegex(@"(\d+)\.(\d+)\.(\d+)")]
    private static partial Regex SemVer();
}
