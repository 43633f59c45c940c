using System.CommandLine;

namespace EtcdBackupctl;

/// <summary>
/// Tables for people, JSON for scripts: <c>--json</c>, or etcdctl's <c>-w</c>/<c>--write-out</c> with
/// <c>json</c> or <c>table</c>, so hands used to etcdctl need not learn a second spelling.
/// </summary>
internal sealed class OutputFormat
{
    public const string JsonName = "json";
    public const string TableName = "table";

    public OutputFormat()
    {
        WriteOut.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string?>();
            if (value is not (JsonName or TableName))
            {
                result.AddError($"-w/--write-out takes {JsonName} or {TableName}, not '{value}'");
            }
            else if (value is TableName && result.GetResult(JsonFlag) is { Implicit: false })
            {
                result.AddError($"--json and -w {TableName} ask for different outputs: give one of them");
            }
        });
    }

    public Option<bool> JsonFlag { get; } = new("--json") { Description = "Print the result as JSON, for scripts", Recursive = true };

    public Option<string?> WriteOut { get; } = new("--write-out", "-w")
    {
        Description = "As etcdctl: json (the same as --json) or table (the default)", HelpName = "json|table", Recursive = true,
    };

    /// <summary>Every field of the result, nothing wrapped, exact sizes and seconds: tables as wide as they need to be.</summary>
    public Option<bool> Wide { get; } = new("--wide")
    {
        Description = "Tables with every field of the result, nothing wrapped (the default fits 100 columns)", Recursive = true,
    };

    public bool IsWide(ParseResult parse) => parse.GetValue(Wide);

    public bool IsJson(ParseResult parse) => parse.GetValue(JsonFlag) || parse.GetValue(WriteOut) is JsonName;
}
