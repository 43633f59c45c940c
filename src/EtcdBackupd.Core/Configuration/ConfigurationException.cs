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

    public IReadOnlyList<string> Problems { get; }
}
