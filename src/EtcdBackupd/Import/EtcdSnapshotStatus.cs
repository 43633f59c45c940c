using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EtcdBackupd.Import;

/// <summary>
/// etcd's own word on a snapshot file without a manifest: <c>etcdutl snapshot status -w json</c> (or
/// <c>etcdctl</c>, etcd 3.4), with the restore tool the plan would use, so the facts come from the etcd
/// that will read the data. Run only after the trailer check passed: the tool is never shown garbage.
/// </summary>
internal static class EtcdSnapshotStatus
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The facts, or an <see cref="IOException"/> with what the tool said of the file; a <see cref="System.ComponentModel.Win32Exception"/>
    /// when the tool cannot be run, a <see cref="TimeoutException"/> when it did not finish: then nothing was said of the file.
    /// </summary>
    public static async Task<SnapshotFacts> ReadAsync(string tool, string file, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "snapshot", "status", file, "-w", "json" })
        {
            start.ArgumentList.Add(argument);
        }

        // etcdctl 3.4 speaks the v3 API only when told; etcdutl ignores the variable.
        start.Environment["ETCDCTL_API"] = "3";
        using var process = Process.Start(start) ?? throw new IOException($"cannot run {tool}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Limit);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw cancellationToken.IsCancellationRequested ? new OperationCanceledException(cancellationToken) : new TimeoutException($"{tool} snapshot status took longer than {Limit.TotalMinutes:F0} minutes");
        }

        var text = (await output).Trim();
        if (process.ExitCode != 0)
        {
            throw new IOException($"{Path.GetFileName(tool)} snapshot status failed: {(await errors).Trim()}");
        }

        // etcdutl may print a deprecation line before the JSON: the object is the last line.
        var json = text.Split('\n').LastOrDefault(l => l.TrimStart().StartsWith('{')) ?? "";
        try
        {
            var status = JsonSerializer.Deserialize(json, StatusJsonContext.Default.ToolStatus) ?? throw new JsonException("empty");
            return new SnapshotFacts(Path.GetFileName(tool), status.Hash, status.Revision, status.TotalKey, status.TotalSize, status.Version);
        }
        catch (JsonException e)
        {
            throw new IOException($"{Path.GetFileName(tool)} snapshot status printed no status ({e.Message}): {(text.Length > 200 ? text[..200] + "..." : text)}");
        }
    }
}

/// <summary>The tool's <c>-w json</c> object; <c>version</c> only from etcdutl 3.5 on.</summary>
internal sealed record ToolStatus(uint Hash, long Revision, long TotalKey, long TotalSize, string? Version);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ToolStatus))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
