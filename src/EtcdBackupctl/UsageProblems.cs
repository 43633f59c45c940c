using System.CommandLine;
using System.CommandLine.Parsing;

namespace EtcdBackupctl;

/// <summary>
/// The parser's errors in an operator's words: a word it does not know is named as an unknown command or
/// option, with the closest one this command has when one is close ("stauts" → status, "--dryrun" → --dry-run).
/// </summary>
internal static class UsageProblems
{
    public static IReadOnlyList<string> Of(ParseResult parse)
    {
        var unknown = parse.UnmatchedTokens;
        var swallowed = Swallowed(parse);
        var command = parse.CommandResult.Command;
        var atRoot = parse.CommandResult.Parent is null;
        var problems = unknown.Select(token => Unknown(token, command, atRoot, parse)).ToList();

        // After an unknown option, a stray word is most likely its value ("--sokcet /run/x"): naming it too
        // would bury the line that matters.
        if (swallowed.Count > 0 || unknown.Any(t => t.StartsWith('-')))
        {
            problems.RemoveAll(p => p.StartsWith("unexpected argument", StringComparison.Ordinal));
        }

        problems.InsertRange(0, swallowed.Select(token => Unknown(token, command, atRoot, parse)));

        // The parser's own line for an unknown word says less than ours; and "a command is required" only
        // repeats it when the unknown word was the command.
        problems.AddRange(parse.Errors
            .Where(e => !unknown.Any(token => e.Message.Contains($"'{token}'", StringComparison.Ordinal)))
            .Where(e => !(atRoot && unknown.Count > 0 && e.SymbolResult is CommandResult))
            .Select(e => e.Message));
        return problems;
    }

    /// <summary>
    /// Unknown options that a command's argument took as its value: "restore --dryrun FILE" would otherwise restore
    /// a snapshot named "--dryrun". After "--" they are values, as the operator asked.
    /// </summary>
    private static List<string> Swallowed(ParseResult parse) =>
        parse.Tokens.Any(t => t.Type == TokenType.DoubleDash)
            ? []
            : parse.CommandResult.Children.OfType<ArgumentResult>()
                .SelectMany(a => a.Tokens)
                .Select(t => t.Value)
                .Where(v => v.Length > 1 && v.StartsWith('-'))
                .ToList();

    private static string Unknown(string token, Command command, bool atRoot, ParseResult parse)
    {
        if (token.StartsWith('-'))
        {
            var options = Options(command, parse).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));
            var where = atRoot ? "" : $" for {command.Name}";
            return WithSuggestion($"unknown option '{token}'{where}", DidYouMean.Closest(token, options));
        }

        return atRoot
            ? WithSuggestion($"unknown command '{token}'", DidYouMean.Closest(token, command.Subcommands.Select(c => c.Name)))
            : $"unexpected argument '{token}' for {command.Name}";
    }

    private static string WithSuggestion(string problem, string? suggestion) =>
        suggestion is null ? problem : $"{problem}; did you mean '{suggestion}'?";

    /// <summary>The command's own options and those its ancestors pass down (--socket, --json, -w, --timeout).</summary>
    private static IEnumerable<Option> Options(Command command, ParseResult parse)
    {
        IEnumerable<Option> options = command.Options;
        for (var result = parse.CommandResult.Parent as CommandResult; result is not null; result = result.Parent as CommandResult)
        {
            options = options.Concat(result.Command.Options.Where(o => o.Recursive));
        }

        return options;
    }
}
