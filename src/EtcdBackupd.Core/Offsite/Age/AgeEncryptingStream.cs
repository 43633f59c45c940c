using System.Security.Cryptography;
using EtcdBackupd.Offsite.Codec;

namespace EtcdBackupd.Offsite.Age;

/// <summary>
/// Writes an age v1 file to a sink: the header and nonce with the first chunk, then one sealed
/// 64 KiB chunk each time a full chunk is followed by more data. Disposing seals what is left as the
/// final chunk (empty only when nothing was written). Memory: one plaintext and one sealed chunk.
/// The sink is left open. After a failed write the stream is broken and disposing writes nothing
/// more, so a copy cut short never ends with a valid final chunk.
/// </summary>
internal sealed class AgeEncryptingStream : WriteOnlyStream
{
    private readonly Stream _sink;
    private readonly ChaChaPoly _aead;
    private readonly byte[] _plain = new byte[AgeFormat.ChunkSize];
    private byte[] _output;
    private int _outputStart;
    private int _plainLength;
    private ulong _counter;
    private bool _completed;
    private bool _broken;

    public AgeEncryptingStream(Stream sink, IReadOnlyList<AgeRecipient> recipients, ChaChaPolyProvider provider)
    {
        if (recipients.Count == 0)
            throw new ArgumentException("At least one recipient is needed to encrypt.", nameof(recipients));
        _sink = sink;
        var fileKey = RandomNumberGenerator.GetBytes(AgeFormat.FileKeyLength);
        var nonce = RandomNumberGenerator.GetBytes(AgeFormat.PayloadNonceLength);
        var header = AgeHeaderWriter.Write([.. recipients.Select(r => AgeX25519.Wrap(r, fileKey, provider))], fileKey);
        var payloadKey = AgeFormat.PayloadKey(fileKey, nonce);
        _aead = ChaChaPoly.Create(payloadKey, provider);
        CryptographicOperations.ZeroMemory(fileKey);
        CryptographicOperations.ZeroMemory(payloadKey);
        // The header and nonce leave with the first chunk, in one write.
        _output = new byte[header.Length + nonce.Length + AgeFormat.EncryptedChunkSize];
        header.CopyTo(_output, 0);
        nonce.CopyTo(_output, header.Length);
        _outputStart = header.Length + nonce.Length;
    }

    protected override async ValueTask WriteCoreAsync(ReadOnlyMemory<byte> data, bool async, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_broken)
            throw new IOException("An earlier write to the encrypted copy failed; the copy is incomplete.");
        while (!data.IsEmpty)
        {
            // A full chunk is sealed only once more data follows: the final chunk may be full.
            if (_plainLength == AgeFormat.ChunkSize)
                await SealAsync(last: false, async, cancellationToken);
            var count = Math.Min(data.Length, AgeFormat.ChunkSize - _plainLength);
            data[..count].CopyTo(_plain.AsMemory(_plainLength));
            _plainLength += count;
            data = data[count..];
        }
    }

    private async ValueTask SealAsync(bool last, bool async, CancellationToken cancellationToken)
    {
        Span<byte> nonce = stackalloc byte[12];
        AgeFormat.ChunkNonce(nonce, _counter, last);
        var sealedLength = _plainLength + AgeFormat.TagSize;
        _aead.Seal(nonce, _plain.AsSpan(0, _plainLength), _output.AsSpan(_outputStart, sealedLength));
        try
        {
            if (async)
                await _sink.WriteAsync(_output.AsMemory(0, _outputStart + sealedLength), cancellationToken);
            else
                _sink.Write(_output, 0, _outputStart + sealedLength);
        }
        catch
        {
            _broken = true;
            throw;
        }
        _counter++;
        _plainLength = 0;
        if (_outputStart > 0)
        {
            _outputStart = 0;
            _output = new byte[AgeFormat.EncryptedChunkSize];
        }
    }

    /// <summary>Marks the copy as cut short: disposing then writes no final chunk.</summary>
    public void Abandon() => _broken = true;

    protected override async ValueTask CompleteAsync(bool async)
    {
        if (_completed)
            return;
        try
        {
            if (!_broken)
                await SealAsync(last: true, async, CancellationToken.None);
        }
        finally
        {
            _completed = true;
            _aead.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
        }
    }
}
