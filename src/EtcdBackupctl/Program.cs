using EtcdBackupd.Protocol;

namespace EtcdBackupctl;

/// <summary>
/// <c>etcd-backupctl [--socket PATH] COMMAND [--json | -w json|table]</c>. Exit codes: <see cref="ExitCodes"/> (0 success,
/// 1 failed or refused or a problem listed, 2 usage, 3 the daemon is unreachable, 5 saved but a copy failed).
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var commands = new CommandLine();
        var parsed = commands.Parse(args);
        var problems = UsageProblems.Of(parsed);
        if (problems.Count > 0 || commands.NothingToDo(parsed))
        {
            foreach (var problem in problems)
            {
                await Console.Error.WriteLineAsync($"etcd-backupctl: {problem}");
            }

            await Console.Error.WriteLineAsync(CommandLine.Usage);
            return ExitCodes.Usage;
        }

        return await parsed.InvokeAsync();
    }
}
