using System.Text;
using System.Text.Json.Serialization;

namespace EtcdBackupd.Protocol.Results;

/// <summary>The answer to <c>check</c>: one line per check, in order; <see cref="Passed"/> only when every one passed.</summary>
internal sealed record CheckResult(bool Passed, IReadOnlyList<CheckLine> Checks)
{
    public static CheckResult Of(IReadOnlyList<CheckLine> checks) => new(checks.All(c => c.Ok), checks);

    /// <summary>The lines as both programs print them: name (and the peer), ok or FAILED, the sentence.</summary>
    public string ToText()
    {
        var names = Checks.Select(c => c.Target is null ? c.Name : $"{c.Name} {c.Target}").ToList();
        var width = names.Max(n => n.Length);
        var text = new StringBuilder();
        for (var i = 0; i < Checks.Count; i++)
        {
            text.Append(names[i].PadRight(width)).Append("  ").Append((Checks[i].Ok ? "ok" : "FAILED").PadRight(6)).Append("  ").Append(Checks[i].Detail).Append('\n');
        }

        return text.ToString();
    }
}

/// <summary>
/// One check: <c>configuration</c>, <c>tls</c>, <c>etcd</c>, <c>snapshot-directory</c>, <c>peer</c> (one per
/// target, <see cref="Target"/> naming it) or <c>restore</c>; whether it passed; a sentence saying what was found.
/// </summary>
internal sealed record CheckLine(string Name, bool Ok, string Detail)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Target { get; init; }
}
