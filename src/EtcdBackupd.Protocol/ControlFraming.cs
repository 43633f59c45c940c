namespace EtcdBackupd.Protocol;

/// <summary>
/// The control channel's framing (docs/control-protocol.md): newline-delimited JSON over a Unix stream
/// socket. A request is one object with a <c>command</c>; the daemon answers with zero or more
/// <c>{"event": ...}</c> lines and exactly one final <c>{"ok": true, "result": ...}</c> or
/// <c>{"ok": false, "error": {"code": ..., "message": ...}}</c>.
/// </summary>
internal static class ControlFraming
{
    public const string DefaultSocketPath = "/run/etcd-backupd/control.sock";

    /// <summary>Requests longer than this are refused and the connection closed.</summary>
    public const int MaxRequestBytes = 64 * 1024;

    /// <summary>
    /// The version of the restore-phase exchange between the daemons of one cluster. A coordinator
    /// refuses members that speak another one before anything stops: masters are upgraded one at a time.
    /// Version 1 was the untyped protocol of 0.1.0, which reported no version.
    /// </summary>
    public const int ProtocolVersion = 2;
}
