using System.Net;
using System.Net.Sockets;
using EtcdBackupd.Etcd;

namespace EtcdBackupd.Tests.Etcd;

/// <summary>
/// The buffer under etcd connections hands out exactly the bytes the socket received, in order, to reads
/// of any size, and keeps the meaning of a zero-byte read (wait for data, consume nothing) and of the end.
/// Over a real loopback TCP connection.
/// </summary>
[Category("Fast")]
internal sealed class ReceiveBufferStreamTests
{
    private Socket _sender = null!;
    private ReceiveBufferStream _stream = null!;

    [SetUp]
    public async Task SetUp()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accepted = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        _sender = await accepted;
        _stream = new ReceiveBufferStream(new NetworkStream(client, ownsSocket: true));
    }

    [TearDown]
    public void TearDown()
    {
        _sender.Dispose();
        _stream.Dispose();
    }

    private static byte[] Bytes(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        return data;
    }

    private async Task<byte[]> ReadToEndAsync(int[] readSizes)
    {
        var received = new List<byte>();
        for (var i = 0; ; i++)
        {
            var buffer = new byte[readSizes[i % readSizes.Length]];
            var n = i % 2 == 0 ? await _stream.ReadAsync(buffer) : _stream.Read(buffer, 0, buffer.Length);
            if (n == 0)
            {
                return [.. received];
            }

            received.AddRange(buffer.AsSpan(0, n).ToArray());
        }
    }

    [Test]
    public async Task Read_InPiecesSmallerAndLargerThanTheBuffer_ReturnsEveryByteInOrderThenTheEnd()
    {
        var sent = Bytes(3 * ReceiveBufferStream.BufferSize + 12_345);
        var sending = Task.Run(() =>
        {
            _sender.Send(sent);
            _sender.Shutdown(SocketShutdown.Send);
        });

        var received = await ReadToEndAsync([9, 16_393, ReceiveBufferStream.BufferSize + 1, 1, 65_536]);
        await sending;

        Assert.That(received, Is.EqualTo(sent));
    }

    [Test]
    public async Task ReadAsync_ZeroBytes_WaitsForDataAndConsumesNone()
    {
        var waiting = _stream.ReadAsync(Memory<byte>.Empty).AsTask();
        await Task.Delay(50);
        Assert.That(waiting.IsCompleted, Is.False, "a zero-byte read completes only once data has arrived");

        _sender.Send("etcd"u8);
        Assert.That(await waiting, Is.Zero);
        Assert.That(await _stream.ReadAsync(Memory<byte>.Empty), Is.Zero, "with bytes waiting, a zero-byte read completes at once");

        var buffer = new byte[4];
        Assert.That(await _stream.ReadAsync(buffer), Is.EqualTo(4));
        Assert.That(buffer, Is.EqualTo("etcd"u8.ToArray()));
    }

    /// <summary>How the HTTP/2 connection ends a read in progress when it closes.</summary>
    [Test]
    public async Task Dispose_WhileAReadWaits_EndsTheReadAndRefusesWrites()
    {
        var waiting = _stream.ReadAsync(new byte[100]).AsTask();
        await Task.Delay(50);

        _stream.Dispose();

        var ended = await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.That(ended, Is.SameAs(waiting), "the read ends (with an error or the end) once the stream is disposed");
        if (!waiting.IsFaulted)
        {
            Assert.That(waiting.Result, Is.Zero);
        }

        Assert.That(() => _stream.Write([1]), Throws.InstanceOf<ObjectDisposedException>().Or.InstanceOf<IOException>());
    }

    [Test]
    public async Task Write_GoesStraightToTheSocket()
    {
        await _stream.WriteAsync("PRI * HTTP/2.0"u8.ToArray());
        await _stream.FlushAsync();

        var buffer = new byte[14];
        var n = 0;
        while (n < buffer.Length)
        {
            n += await _sender.ReceiveAsync(buffer.AsMemory(n));
        }

        Assert.That(buffer, Is.EqualTo("PRI * HTTP/2.0"u8.ToArray()));
    }
}
