using System.Globalization;
using System.Text.Json;
using EtcdBackupd.Protocol;
using EtcdBackupd.Protocol.Results;

namespace EtcdBackupctl;

/// <summary>
/// A one-line progress bar on standard error, only when it is a terminal; steps of a restore are
/// printed as lines whatever standard error is, since an operator needs them in the log of the run.
/// </summary>
internal sealed class ProgressBar(bool enabled) : IDisposable
{
    private bool _shown;

    public void Show(byte[] line)
    {
        ProgressEvent? progress;
        try
        {
            progress = JsonSerializer.Deserialize(line, ProtocolJsonContext.Default.ProgressEvent);
        }
        catch (JsonException)
        {
            return;
        }

        if (progress is null)
        {
            return;
        }

        if (progress.Step is { } step)
        {
            Clear();
            var seconds = progress.Seconds is { } s ? string.Create(CultureInfo.InvariantCulture, $"[{s,6:F1} s] ") : "";
            Console.Error.WriteLine(progress.Member is { } member ? $"restore: {seconds}{member}: {step}" : $"restore: {seconds}{step}");
            return;
        }

        if (!enabled)
        {
            return;
        }

        var bytes = progress.Bytes ?? 0;
        var total = progress.TotalBytes ?? 0;
        var fraction = total > 0 ? Math.Clamp(bytes / (double)total, 0, 1) : 0;
        var filled = (int)(fraction * 30);
        Console.Error.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r{progress.Stage}{(progress.Target is { } target ? " " + target : "")} [{new string('#', filled)}{new string('.', 30 - filled)}] {fraction:P0} {bytes >> 20} / {total >> 20} MiB "));
        _shown = true;
    }

    public void Clear()
    {
        if (_shown)
        {
            Console.Error.Write("\r" + new string(' ', 79) + "\r");
            _shown = false;
        }
    }

    public void Dispose() => Clear();
}
