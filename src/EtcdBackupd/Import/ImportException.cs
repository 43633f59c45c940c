namespace EtcdBackupd.Import;

/// <summary>A file from outside the directory that is refused, with the control protocol's error code and the operator's sentence.</summary>
internal sealed class ImportException(string code, string message) : Exception(message)
{
    public string Code => code;

    public Reply ToReply() => Reply.Failure(code, Message);
}
