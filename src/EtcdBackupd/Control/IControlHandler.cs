using System.Text.Json.Serialization.Metadata;

namespace EtcdBackupd.Control;

/// <summary>
/// One control command: its name, who may call it, its arguments record and its body. The dispatcher
/// derives the command list, the access rule and the <c>unknown_command</c> text from the handlers registered.
/// </summary>
internal interface IControlHandler
{
    /// <summary>The wire's <c>command</c>.</summary>
    string Name { get; }

    /// <summary>How a member of <c>Control.Group</c> may use it (<c>prune --dry-run</c>), for the refusal's text; null when root only.</summary>
    string? GroupUse { get; }

    /// <summary>The request's arguments, strictly parsed, ready to run; null with the <c>bad_request</c> text.</summary>
    PreparedRequest? Prepare(ReadOnlySpan<byte> line, out string? problem);
}

/// <summary>A parsed request: whether it needs root, whether it says a descriptor comes with it, and its body.</summary>
internal sealed record PreparedRequest(bool NeedsRoot, Func<ControlCall, CancellationToken, Task<Reply>> RunAsync)
{
    public bool ClaimsDescriptor { get; init; }
}

/// <summary>A handler whose arguments are <typeparamref name="TArgs"/>, parsed through the protocol's source-generated contract.</summary>
internal abstract class ControlHandler<TArgs>(JsonTypeInfo<TArgs> contract) : IControlHandler where TArgs : ControlRequest
{
    public abstract string Name { get; }

    public virtual string? GroupUse => Name;

    /// <summary>Root only, or (the default) root and <c>Control.Group</c>.</summary>
    protected virtual bool NeedsRoot(TArgs arguments) => false;

    /// <summary>Whether the request says the file is the descriptor sent with it (<c>"descriptor"</c>).</summary>
    protected virtual bool ClaimsDescriptor(TArgs arguments) => false;

    /// <summary>The command's body. It runs to its end even when the client goes away (the token is the daemon's stop).</summary>
    protected abstract Task<Reply> RunAsync(TArgs arguments, ControlCall call, CancellationToken cancellationToken);

    public PreparedRequest? Prepare(ReadOnlySpan<byte> line, out string? problem) =>
        RequestParser.Arguments(line, contract, out problem) is { } arguments
            ? new PreparedRequest(NeedsRoot(arguments), (call, token) => RunAsync(arguments, call, token)) { ClaimsDescriptor = ClaimsDescriptor(arguments) }
            : null;
}

/// <summary>
/// Who is asking, and the connection's one writer for progress events; the descriptors that came with the
/// request (SCM_RIGHTS), owned by the session, and whether the kernel dropped some for want of room.
/// </summary>
internal sealed record ControlCall(PeerCredentials Peer, ConnectionWriter Output)
{
    public IReadOnlyList<Microsoft.Win32.SafeHandles.SafeFileHandle> Descriptors { get; init; } = [];

    public bool DescriptorsDropped { get; init; }

    /// <summary>
    /// Cancelled when the client is gone: a line to it (a keep-alive, at least every 5 s while its request runs)
    /// could not be written. Only a request that changes nothing (verify) ends with it: a snapshot, a restore
    /// or an import runs to its end whoever left.
    /// </summary>
    public CancellationToken CallerGone { get; init; }

    /// <summary>The one descriptor a request claimed; the dispatcher has checked it is there.</summary>
    public Microsoft.Win32.SafeHandles.SafeFileHandle Descriptor => Descriptors[0];
}
