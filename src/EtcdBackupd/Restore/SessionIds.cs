namespace EtcdBackupd.Restore;

/// <summary>Restore session IDs: a file name in the state directory, so letters, digits, '.', '_' and '-' only.</summary>
internal static class SessionIds
{
    public static bool IsValid(string id) =>
        id.Length is > 0 and <= 64 && char.IsAsciiLetterOrDigit(id[0]) && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
