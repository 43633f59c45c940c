using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using EtcdBackupd.Protocol.Descriptors;

namespace EtcdBackupd.Tests.Import;

/// <summary>A client that sends request lines with open files attached (SCM_RIGHTS), as etcd-backupctl does, or as a hostile one might.</summary>
internal static class SentFileRequests
{
    /// <summary>Sends <paramref name="request"/> with <paramref name="files"/> on one connection; returns the final answer.</summary>
    public static async Task<JsonObject> SendAsync(string socket, string request, params SafeHandle[] files)
    {
        using var client = await ConnectAndSendAsync(socket, request, files);
        using var reader = new StreamReader(new NetworkStream(client), Encoding.UTF8);
        return await AnswerAsync(reader);
    }

    /// <summary>A connection on which <paramref name="request"/> went with <paramref name="files"/> attached; the answer is the caller's to read, or not.</summary>
    public static async Task<Socket> ConnectAndSendAsync(string socket, string request, params SafeHandle[] files)
    {
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(socket));
        var line = Encoding.UTF8.GetBytes(request + "\n");
        var sent = files.Length == 0 ? 0 : DescriptorPassing.Send(client, line, files);
        await client.SendAsync(line.AsMemory(sent));
        return client;
    }

    /// <summary>The final answer among the lines <paramref name="reader"/> gives (events and keep-alives skipped).</summary>
    public static async Task<JsonObject> AnswerAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } text)
        {
            var message = JsonNode.Parse(text)!.AsObject();
            if (message.ContainsKey("ok"))
            {
                return message;
            }
        }

        throw new IOException("the daemon closed the connection without an answer");
    }

    public static SafeHandle Open(string path) =>
        CallerFile.TryOpen(path, out var problem) ?? throw new IOException($"cannot open {path}: {problem}");

    public static string Code(JsonObject answer) => answer["error"]?["code"]?.GetValue<string>() ?? "(ok)";

    public static string Message(JsonObject answer) => answer["error"]?["message"]?.GetValue<string>() ?? answer.ToJsonString();
}
