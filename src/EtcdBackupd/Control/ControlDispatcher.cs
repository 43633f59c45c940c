namespace EtcdBackupd.Control;

/// <summary>
/// From a request line to a final answer: the command, its handler, its strictly parsed arguments,
/// the access rule (logged when it refuses), the handler's body. Any exception becomes <c>failed</c>.
/// </summary>
internal sealed class ControlDispatcher
{
    private readonly IReadOnlyDictionary<string, IControlHandler> _handlers;
    private readonly ILogger<ControlDispatcher> _logger;
    private readonly ControlJournalBudget _journal;

    public ControlDispatcher(IEnumerable<IControlHandler> handlers, ControlJournalBudget journal, ILogger<ControlDispatcher> logger)
    {
        _journal = journal;
        _handlers = handlers.ToDictionary(h => h.Name, StringComparer.Ordinal);
        _logger = logger;
        Known = string.Join(", ", _handlers.Keys);
        GroupUses = string.Join(", ", _handlers.Values.Select(h => h.GroupUse).OfType<string>());
    }

    /// <summary>Every command, in registration order.</summary>
    public string Known { get; }

    private string GroupUses { get; }

    public async Task<Reply> DispatchAsync(ReadOnlyMemory<byte> line, ControlCall call, CancellationToken cancellationToken)
    {
        if (RequestParser.Command(line.Span, out var problem) is not { } command)
        {
            return Reply.Failure(ErrorCodes.BadRequest, problem!);
        }

        if (!_handlers.TryGetValue(command, out var handler))
        {
            return Reply.Failure(ErrorCodes.UnknownCommand, $"unknown command '{Truncate(command)}'; known: {Known}");
        }

        if (handler.Prepare(line.Span, out problem) is not { } request)
        {
            return Reply.Failure(ErrorCodes.BadRequest, $"{command}: {problem}");
        }

        var peer = call.Peer;
        if (request.NeedsRoot && !peer.IsRoot)
        {
            if (_journal.Allows(peer))
            {
                ControlLog.Refused(_logger, peer.Uid, peer.Pid, command, "needs root");
            }

            return Reply.Failure(ErrorCodes.Forbidden, $"'{command}' needs root (uid 0); uid {peer.Uid} may use {GroupUses}");
        }

        if (DescriptorProblem(request.ClaimsDescriptor, call) is { } wrong)
        {
            return Reply.Failure(ErrorCodes.BadRequest, $"{command}: {wrong}");
        }

        if (_journal.Allows(peer))
        {
            ControlLog.Command(_logger, command, peer.Uid, peer.Pid);
        }

        try
        {
            return await request.RunAsync(call, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Reply.Failure(ErrorCodes.Failed, e.Message);
        }
    }

    /// <summary>A request that says a file comes with it has exactly one descriptor; one that does not, none.</summary>
    private static string? DescriptorProblem(bool claimed, ControlCall call) => (claimed, call.Descriptors.Count, call.DescriptorsDropped) switch
    {
        (_, _, true) or (true, > 1, _) => $"exactly one open file may come with a request (SCM_RIGHTS); {(call.DescriptorsDropped ? "more than " + call.Descriptors.Count : call.Descriptors.Count)} came",
        (true, 0, _) => "the request says a file comes with it (\"descriptor\"), but no open file came (SCM_RIGHTS) with its bytes",
        (false, > 0, _) => "an open file came with a request that does not name it (\"descriptor\"); it was closed unread",
        _ => null,
    };

    public static string Truncate(string text) => text.Length > 80 ? text[..80] + "..." : text;
}
