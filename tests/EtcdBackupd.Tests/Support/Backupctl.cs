using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace EtcdBackupd.Tests.Support;

/// <summary>The etcd-backupctl program, and the raw socket protocol it speaks, as scripts would use them.</summary>
internal static class Backupctl
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "etcd-backupctl.dll");

    public static Task<ProcessResult> RunAsync(string socket, params string[] arguments) =>
        ProcessRunner.RunAsync("dotnet", [Dll, "--socket", socket, .. arguments], timeout: TimeSpan.FromMinutes(2));

    /// <summary>
    /// As another user: <c>runuser -u USER [-g GROUP] -- dotnet etcd-backupctl.dll ...</c>, from a copy
    /// that user can read wherever the checkout lives (see <see cref="ReadableCopy"/>).
    /// </summary>
    public static Task<ProcessResult> RunAsAsync(string user, string? group, string socket, params string[] arguments) =>
        ProcessRunner.RunAsync("runuser", [.. group is null ? ["-u", user] : new[] { "-u", user, "-g", group }, "--",
            "dotnet", ReadableCopy.Of("etcd-backupctl.dll"), "--socket", socket, .. arguments],
            new Dictionary<string, string> { ["DOTNET_CLI_HOME"] = "/tmp", ["HOME"] = "/tmp" }, TimeSpan.FromMinutes(2));

    /// <summary>Sends raw request lines on one connection and returns every line received until the last final answer.</summary>
    public static async Task<List<JsonObject>> RawAsync(string socket, params string[] requests)
    {
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(socket));
        await using var stream = new NetworkStream(client);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var lines = new List<JsonObject>();
        foreach (var request in requests)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(request + "\n"));
            while (await reader.ReadLineAsync() is { } line)
            {
                var message = JsonNode.Parse(line)!.AsObject();
                lines.Add(message);
                if (message.ContainsKey("ok"))
                {
                    break;
                }
            }
        }

        return lines;
    }
}
