using System.Globalization;
using System.Text.RegularExpressions;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Systemd;

/// <summary>The shipped etcd-backupd.service, checked by systemd's own tools.</summary>
internal sealed partial class UnitFileTests
{
    internal static string Unit => Path.Combine(EtcdBinaries.RepositoryRoot(), "etcd-backupd.service");

    /// <summary>The unit as installed, with ExecStart pointing at the program built for this test run.</summary>
    private static string InstalledCopy(TempDirectory dir)
    {
        var copy = dir.Combine("etcd-backupd.service");
        File.WriteAllText(copy, File.ReadAllText(Unit).Replace("/usr/bin/etcd-backupd", Path.Combine(AppContext.BaseDirectory, "etcd-backupd"), StringComparison.Ordinal));
        return copy;
    }

    [Test]
    public async Task SystemdAnalyzeVerify_FindsNothingWrong()
    {
        using var dir = new TempDirectory("unit");

        var result = await ProcessRunner.RunAsync("systemd-analyze", ["verify", InstalledCopy(dir)]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        Assert.That(result.StandardError.Trim(), Is.Empty, result.ToString);
    }

    [Test]
    public async Task SystemdAnalyzeSecurity_ExposureStaysAtOrBelowTheRecordedScore()
    {
        using var dir = new TempDirectory("unit");

        var result = await ProcessRunner.RunAsync("systemd-analyze", ["security", "--offline=yes", "--no-pager", InstalledCopy(dir)]);

        var score = Exposure().Match(result.StandardOutput);
        Assert.That(score.Success, Is.True, result.ToString);
        // 3.9 recorded in the README; a change that loosens the sandbox must say so there.
        Assert.That(double.Parse(score.Groups[1].Value, CultureInfo.InvariantCulture), Is.LessThanOrEqualTo(3.9));
    }

    [GeneratedRegex(@"Overall exposure level for \S+: (\d+\.\d)")]
    private static partial Regex Exposure();
}
