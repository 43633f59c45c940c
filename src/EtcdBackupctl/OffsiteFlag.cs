using System.CommandLine;
using EtcdBackupd.Protocol.Requests;

namespace EtcdBackupctl;

/// <summary>
/// <c>--offsite[:TARGET]</c> on <c>verify</c> and <c>list</c>: every off-site target, or the one named. The parser
/// would read <c>--offsite NAME</c> and <c>--offsite:NAME</c> alike, taking a snapshot's name for a target's;
/// so <c>--offsite</c> is a flag, and <see cref="Rewrite"/> turns the joined form into the hidden <c>--offsite-target</c>.
/// </summary>
internal sealed class OffsiteFlag
{
    private const string FlagName = "--offsite";
    private const string TargetName = "--offsite-target";

    public OffsiteFlag(string description)
    {
        Flag = new Option<bool>(FlagName) { Description = description + " (--offsite:TARGET for one of Offsite.Targets)" };
        Target = new Option<string?>(TargetName) { Hidden = true };
    }

    public Option<bool> Flag { get; }

    public Option<string?> Target { get; }

    /// <summary>The scope asked for, or null without <c>--offsite</c>.</summary>
    public OffsiteScope? Scope(ParseResult parse) =>
        parse.GetValue(Target) is { } target ? new OffsiteScope { Target = target }
        : parse.GetValue(Flag) ? new OffsiteScope()
        : null;

    /// <summary><c>--offsite:TARGET</c> and <c>--offsite=TARGET</c> become <c>--offsite-target TARGET</c>; every other word is left as it is.</summary>
    public static string[] Rewrite(string[] args)
    {
        var rewritten = new List<string>(args.Length + 1);
        var values = false;
        foreach (var arg in args)
        {
            // After "--" every word is a value, as the operator asked.
            values |= arg == "--";
            if (!values && arg.Length > FlagName.Length + 1 && arg.StartsWith(FlagName, StringComparison.Ordinal) && arg[FlagName.Length] is ':' or '=')
            {
                rewritten.Add(TargetName);
                rewritten.Add(arg[(FlagName.Length + 1)..]);
            }
            else
            {
                rewritten.Add(arg);
            }
        }

        return [.. rewritten];
    }
}
