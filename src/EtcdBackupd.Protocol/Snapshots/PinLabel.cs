namespace EtcdBackupd.Snapshots;

/// <summary>
/// A pin's label: letters, digits and <c>._-</c>, 1 to 64 characters, so that it is safe in a table, a
/// file name, a journal field and a shell, and says why the snapshot is kept ("before-etcd-3.5.17").
/// </summary>
internal static class PinLabel
{
    public const int MaxLength = 64;

    /// <summary>Null when <paramref name="label"/> is valid, else the sentence that says what is wrong.</summary>
    public static string? Problem(string? label)
    {
        if (string.IsNullOrEmpty(label))
        {
            return "a pin needs a label: letters, digits, '.', '_' or '-', up to 64 characters (before-etcd-3.5.17)";
        }

        if (label.Length > MaxLength)
        {
            return $"a pin's label is at most {MaxLength} characters; this one has {label.Length}";
        }

        foreach (var c in label)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return $"a pin's label holds only letters, digits, '.', '_' or '-'; {(char.IsControl(c) || char.IsWhiteSpace(c) ? $"U+{(int)c:X4}" : $"'{c}'")} is not allowed";
            }
        }

        return null;
    }
}
