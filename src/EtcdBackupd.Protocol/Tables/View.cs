namespace EtcdBackupd.Protocol.Tables;

/// <summary>
/// How a result is drawn: the moment ages are counted from (from a <see cref="TimeProvider"/>, so tests fix it),
/// and whether the operator asked for <c>--wide</c> (every field, nothing wrapped) or the default view that fits
/// <see cref="Table.Width"/> columns.
/// </summary>
internal sealed record View(DateTimeOffset Now, bool Wide)
{
    /// <summary>The columns a table may take: 100 by default, unlimited with <c>--wide</c>.</summary>
    public int Width => Wide ? int.MaxValue : Table.Width;
}
