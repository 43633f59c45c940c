using System.Security.Cryptography;
using EtcdBackupd.Offsite.Codec;

namespace EtcdBackupd.Offsite.Age;

/// <summary>
/// Reads an age v1 file: the header on the first read, then one 64 KiB STREAM chunk at a time.
/// Only authenticated plaintext is ever returned; memory is two chunk buffers whatever the size.
/// The source is left open.
/// </summary>
internal sealed class AgeDecryptingStream(Stream source, IReadOnlyList<AgeIdentity> identities, ChaChaPolyProvider provider)
    : ReadOnlyStream
{
    private readonly SourceReader _source = new(source);
    private readonly byte[] _sealed = new byte[AgeFormat.EncryptedChunkSize];
    private readonly byte[] _plain = new byte[AgeFormat.ChunkSize];
    private ChaChaPoly? _aead;
    private int _plainPosition;
    private int _plainLength;
    private ulong _counter;
    private bool _finished;
    private OffsiteCodecException? _pending;

    protected override async ValueTask<int> ReadCoreAsync(Memory<byte> destination, bool async, CancellationToken cancellationToken)
    {
        if (destination.Length == 0)
            return 0;
        try
        {
            _aead ??= await OpenAsync(async, cancellationToken);
            while (_plainPosition == _plainLength)
            {
                if (_pending is not null)
                    throw _pending;
                if (_finished)
                    return 0;
                await ReadChunkAsync(async, cancellationToken);
            }
        }
        catch (OffsiteCodecException e)
        {
            // A copy found bad stays bad: later reads repeat the verdict instead of reading on.
            _pending = e;
            throw;
        }
        var count = Math.Min(destination.Length, _plainLength - _plainPosition);
        _plain.AsMemory(_plainPosition, count).CopyTo(destination);
        _plainPosition += count;
        return count;
    }

    private async ValueTask<ChaChaPoly> OpenAsync(bool async, CancellationToken cancellationToken)
    {
        var header = await AgeHeaderReader.ReadAsync(_source, async, cancellationToken);
        var fileKey = new byte[AgeFormat.FileKeyLength];
        if (!TryUnwrap(header, fileKey))
        {
            throw new OffsiteCodecException(OffsiteCodecFailure.NoMatchingIdentity,
                $"The encrypted copy was encrypted to other recipients: none of the {identities.Count} age identities given can open it.");
        }
        var mac = HMACSHA256.HashData(AgeFormat.HeaderMacKey(fileKey), header.MacInput);
        if (!CryptographicOperations.FixedTimeEquals(mac, header.Mac))
        {
            throw new OffsiteCodecException(OffsiteCodecFailure.HeaderTampered,
                "The encrypted copy's header was altered: its MAC does not match (the copy was tampered with or damaged).");
        }
        var nonce = new byte[AgeFormat.PayloadNonceLength];
        if (await _source.ReadFullAsync(nonce, async, cancellationToken) != nonce.Length)
            throw AgeHeaderReader.Invalid("it ends before the payload's nonce");
        var payloadKey = AgeFormat.PayloadKey(fileKey, nonce);
        CryptographicOperations.ZeroMemory(fileKey);
        var aead = ChaChaPoly.Create(payloadKey, provider);
        CryptographicOperations.ZeroMemory(payloadKey);
        return aead;
    }

    private bool TryUnwrap(AgeHeader header, Span<byte> fileKey)
    {
        foreach (var stanza in header.Stanzas)
        {
            foreach (var identity in identities)
            {
                if (AgeX25519.Unwrap(identity, stanza, fileKey, provider) == UnwrapResult.Unwrapped)
                    return true;
            }
        }
        return false;
    }

    private async ValueTask ReadChunkAsync(bool async, CancellationToken cancellationToken)
    {
        var length = await _source.ReadFullAsync(_sealed, async, cancellationToken);
        var last = length < _sealed.Length;
        if (length < AgeFormat.TagSize)
        {
            throw new OffsiteCodecException(OffsiteCodecFailure.Truncated, _counter == 0
                ? "The encrypted copy is truncated: it ends before its first chunk."
                : $"The encrypted copy is truncated: it ends after {_counter} chunks of 64 KiB without its final chunk.");
        }
        Span<byte> nonce = stackalloc byte[12];
        AgeFormat.ChunkNonce(nonce, _counter, last);
        var opened = _aead!.TryOpen(nonce, _sealed.AsSpan(0, length), _plain);
        if (!opened && !last)
        {
            // A full-size chunk may still be the final one.
            last = true;
            AgeFormat.ChunkNonce(nonce, _counter, last);
            opened = _aead.TryOpen(nonce, _sealed.AsSpan(0, length), _plain);
        }
        if (!opened)
        {
            throw new OffsiteCodecException(OffsiteCodecFailure.PayloadTampered,
                $"The encrypted copy was altered or damaged: chunk {_counter} (at about {_counter * AgeFormat.ChunkSize} bytes of plaintext) does not authenticate.");
        }
        if (last && length == AgeFormat.TagSize && _counter > 0)
        {
            throw new OffsiteCodecException(OffsiteCodecFailure.PayloadTampered,
                "The encrypted copy ends with an empty final chunk, which age never writes after data.");
        }
        _counter++;
        _plainPosition = 0;
        _plainLength = length - AgeFormat.TagSize;
        if (last)
        {
            _finished = true;
            // Release the final chunk, then fail the next read if anything follows it (as age does).
            if (await _source.ReadFullAsync(new byte[1], async, cancellationToken) != 0)
            {
                _pending = new OffsiteCodecException(OffsiteCodecFailure.TrailingData,
                    "The encrypted copy has data after its final chunk (it was appended to or damaged).");
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aead?.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
        }
        base.Dispose(disposing);
    }
}
