using EtcdBackupd.Protocol.Results;

namespace EtcdBackupd.Protocol.Tables;

/// <summary>
/// The preflight's table, here so that <c>etcd-backupd check</c> (the one-shot) and <c>etcd-backupctl check</c>
/// (through the daemon) print the same 100 columns.
/// </summary>
internal static class CheckTable
{
    public static string Render(CheckResult r, View v) =>
        Table.Render(v, [new Column("CHECK", Whole: true), "RESULT", "DETAIL"], r.Checks.Select(c => (IReadOnlyList<string>)
        [
            c.Target is null ? c.Name : $"{c.Name} {c.Target}", c.Ok ? "ok" : "FAILED", c.Detail,
        ]));
}
