namespace EtcdBackupd.Offsite.Age;

/// <summary>One recipient stanza of an age header: <c>-&gt; type args…</c> and a base64 body.</summary>
internal sealed record AgeStanza(IReadOnlyList<string> Arguments, byte[] Body)
{
    public string Type => Arguments[0];
}

/// <summary>A stanza the identity cannot use must not stop the others from being tried; a malformed one must.</summary>
internal enum UnwrapResult
{
    Unwrapped,
    NotThisIdentity,
}
