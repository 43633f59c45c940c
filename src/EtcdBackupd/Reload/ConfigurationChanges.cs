using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace EtcdBackupd.Reload;

/// <summary>A key whose value differs between two configurations; null where it is not set.</summary>
internal sealed record SettingChange(string Key, string? Before, string? After)
{
    public override string ToString() => $"{Key}: {Value(Before)} -> {Value(After)}";

    private static string Value(string? value) => value is null ? "unset" : $"'{value}'";
}

/// <summary>
/// What a reload changes, key by key, and which keys a running daemon can take on. The others hold what
/// the daemon was built around (its socket, its directories, its log target, etcd's client and the
/// restore's parameters, which a restore session in flight relies on): they keep their values until a restart.
/// </summary>
internal static partial class ConfigurationChanges
{
    /// <summary>Keys, or whole sections, that take effect at a reload; every other key needs a restart.</summary>
    private static readonly string[] Reloadable =
    [
        "Snapshots.Schedules", "Snapshots.TimeZone", "Snapshots.TakenBy", "Snapshots.FollowerGraceMinutes",
        "Snapshots.RetentionDays", "Snapshots.MinimumKept", "Peers", "Metrics", "Logging.Level",
    ];

    public static bool TakesEffect(string key) => Reloadable.Any(r =>
        key.Equals(r, StringComparison.OrdinalIgnoreCase)
        || (key.StartsWith(r, StringComparison.OrdinalIgnoreCase) && key.Length > r.Length && key[r.Length] is '.' or '['));

    /// <summary>Every key set (file and environment) with its value, named as an operator writes it: <c>Peers.Targets[0].Host</c>.</summary>
    public static IReadOnlyDictionary<string, string> Settings(IConfiguration configuration) =>
        configuration.AsEnumerable()
            .Where(setting => setting.Value is not null)
            .ToDictionary(setting => OperatorKey(setting.Key), setting => setting.Value!, StringComparer.OrdinalIgnoreCase);

    /// <summary>Each key whose value differs, in key order.</summary>
    public static IReadOnlyList<SettingChange> Between(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after) =>
        before.Keys.Union(after.Keys, StringComparer.OrdinalIgnoreCase)
            .Select(key => new SettingChange(key, before.GetValueOrDefault(key), after.GetValueOrDefault(key)))
            .Where(change => change.Before != change.After)
            .OrderBy(change => change.Key, StringComparer.Ordinal)
            .ToList();

    /// <summary>The settings in force after a reload: the new file's where a key takes effect, the old ones elsewhere.</summary>
    public static IReadOnlyDictionary<string, string> InForce(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after) =>
        after.Where(s => TakesEffect(s.Key)).Concat(before.Where(s => !TakesEffect(s.Key)))
            .ToDictionary(s => s.Key, s => s.Value, StringComparer.OrdinalIgnoreCase);

    private static string OperatorKey(string path) => Index().Replace(path.Replace(':', '.'), "[$1]");

    [GeneratedRegex(@"\.(\d+)(?=\.|$)")]
    private static partial Regex Index();
}
