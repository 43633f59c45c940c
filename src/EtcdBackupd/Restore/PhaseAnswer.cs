namespace EtcdBackupd.Restore;

/// <summary>
/// A member's answer to one phase, as the coordinator decides on it: the typed result, the error, or
/// no answer at all (the member's state is then unknown). The same whether the member is this daemon
/// or a peer reached over SSH.
/// </summary>
internal sealed record PhaseAnswer(PhaseResult? Result, ControlError? Error, bool Answered = true)
{
    public bool Ok => Answered && Error is null && Result is not null;

    public static PhaseAnswer Of(PhaseResult result) => new(result, null);

    public static PhaseAnswer Failed(string code, string message, PhaseResult? result = null) => new(result, new ControlError(code, message));

    /// <summary>No answer within the phase's deadline, or the link broke: the member may or may not have done it.</summary>
    public static PhaseAnswer Silent(string why) => new(null, new ControlError(ErrorCodes.Failed, why), Answered: false);

    /// <summary>The answer on the wire: the result, or the error with the result beside it when there is one.</summary>
    public Reply ToReply() => (Error, Result) switch
    {
        (null, { } result) => Reply.Success(result, ProtocolJsonContext.Default.PhaseResult),
        ({ } error, { } result) => Reply.Failure(error.Code, error.Message, result, ProtocolJsonContext.Default.PhaseResult),
        ({ } error, null) => Reply.Failure(error.Code, error.Message),
        _ => Reply.Failure(ErrorCodes.Failed, "the phase gave no result"),
    };

    /// <summary>An answer read from the wire.</summary>
    public static PhaseAnswer FromWire(Answer<PhaseResult> answer) => new(answer.Result, answer.Ok ? null : answer.Error);
}
