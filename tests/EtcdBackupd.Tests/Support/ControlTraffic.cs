using System.Net.Sockets;
using System.Text;

namespace EtcdBackupd.Tests.Support;

/// <summary>
/// Many raw clients at once on a daemon's control socket, as a careless script or a hostile member of the
/// control group would send them: broken and oversized requests, requests in slow pieces, clients that
/// hang up without reading the answer.
/// </summary>
internal static class ControlTraffic
{
    /// <summary>What no handler should ever see: each is refused with an error line or the connection closed.</summary>
    public static readonly IReadOnlyList<Func<Random, byte[]>> Garbage =
    [
        random => [.. RandomLine(random, random.Next(1, 300)), (byte)'\n'],
        _ => "{\"command\":\"sta"u8.ToArray(),
        _ => new byte[70 * 1024],
        _ => "{\"command\": [1,2,3]}\n"u8.ToArray(),
        _ => "{\"command\":\"verify\",\"file\":\"../../../etc/passwd\"}\n"u8.ToArray(),
        _ => "[]\n{}\nnull\n\"\"\n"u8.ToArray(),
        _ => Encoding.UTF8.GetBytes(new string('{', 5000) + "\n"),
        _ => [],
        _ => "{\"command\":\"prune\",\"dryRun\":\"true\"}\n{\"command\":\"status\",\"command\":\"prune\"}\n"u8.ToArray(),
        _ => "{\"command\":\"restore-phase\",\"session\":\"x\",\"phase\":\"rollback\",\"extra\":[1]}\n"u8.ToArray(),
        _ => [.. Encoding.UTF8.GetBytes("{\"command\":\"list\",\"pad\":\"" + new string('x', 70 * 1024) + "\"}"), (byte)'\n'],
    ];

    /// <summary>What a monitoring script asks all day: answered in full by the handlers.</summary>
    public static readonly IReadOnlyList<Func<Random, byte[]>> Questions =
    [
        _ => "{\"command\":\"status\"}\n"u8.ToArray(),
        _ => "{\"command\":\"list\"}\n"u8.ToArray(),
    ];

    /// <summary>
    /// <paramref name="count"/> connections, eight at a time, each with one payload drawn from
    /// <paramref name="payloads"/>. One in fifty sends its payload in four pieces 20 ms apart; one in
    /// three hangs up without reading; the others wait up to 200 ms for the first bytes of the answer.
    /// </summary>
    public static Task SendAsync(string socketPath, int count, Random random, IReadOnlyList<Func<Random, byte[]>> payloads, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, token) =>
        {
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await client.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), token);
            byte[] payload;
            lock (random)
            {
                payload = payloads[random.Next(payloads.Count)](random);
            }

            try
            {
                if (i % 50 == 7)
                {
                    foreach (var piece in payload.Chunk(Math.Max(1, payload.Length / 4)))
                    {
                        await client.SendAsync(piece, token);
                        await Task.Delay(20, token);
                    }
                }
                else
                {
                    await client.SendAsync(payload, token);
                }

                if (i % 3 == 0)
                {
                    return;
                }

                var buffer = new byte[4096];
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(token);
                wait.CancelAfter(TimeSpan.FromMilliseconds(200));
                await client.ReceiveAsync(buffer, wait.Token);
            }
            catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !token.IsCancellationRequested))
            {
                // The daemon closed an oversized request, or had nothing to say yet: both are fine.
            }
        });

    private static byte[] RandomLine(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes.Select(b => b == (byte)'\n' ? (byte)' ' : b).ToArray();
    }
}
