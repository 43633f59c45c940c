namespace EtcdBackupd.Configuration;

/// <summary>A configuration that cannot be used; every message names the key and the wrong value.</summary>
internal sealed class ConfigurationException : Exception
{
    public ConfigurationException(IReadOnlyList<string> problems)
        : base("invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)))
    {
        Problems = problems;
    }

    public ConfigurationException(string problem) : this([problem])
    {
    }

    /// <summary>One problem, and the exception that revealed it, kept for the journal's EXCEPTION field.</summary>
    public ConfigurationException(string problem, Exception inner)
        : base("invalid configuration:" + Environment.NewLine + "  " + problem, inner)
    {
        Problems = [problem];
    }

    public IReadOnlyList<string> Problems { get; }
}
