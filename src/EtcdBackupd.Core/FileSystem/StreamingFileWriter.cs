using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using static EtcdBackupd.FileSystem.Libc;

namespace EtcdBackupd.FileSystem;

/// <summary>
/// Writes a large file that arrives as a stream of small pieces, around the page cache where the file
/// system allows it (<c>O_DIRECT</c>): pieces gather in one aligned 1 MiB buffer, which goes to the disk
/// in one write. Where direct I/O is refused, the same buffer is written through the page cache;
/// <see cref="Writeback"/> paces whatever the cache holds, as before.
/// </summary>
/// <remarks>
/// Through the page cache, a snapshot paid for every byte three times in kernel time: the copy into the
/// cache, the writeback, and dropping the pages again so that etcd's own stay in memory. That was a
/// quarter of the process's CPU time (bench/snapshot/RESULTS.md); direct writes of 1 MiB cost a tenth as
/// much and never touch etcd's cache. Durability is unchanged: the caller still fsyncs before the file
/// is renamed into place.
/// </remarks>
internal sealed unsafe partial class StreamingFileWriter : IDisposable
{
    /// <summary>Buffer address, file offset and length of a direct write must all be multiples of this
    /// (the page size, which covers every logical block size Linux file systems use).</summary>
    private const int Alignment = 4096;
    internal const int BufferSize = 1 << 20;
    private const int EIntr = 4, EInval = 22;

    private readonly SafeFileHandle _file;
    private readonly Writeback _writeback;
    private byte* _buffer;
    private int _filled;
    private long _offset;

    /// <param name="file">Opened for writing, empty.</param>
    /// <param name="tryDirect">False only in tests of the page-cache path, which every file system here accepts direct I/O for.</param>
    public StreamingFileWriter(SafeFileHandle file, bool tryDirect = true)
    {
        _file = file;
        _writeback = new Writeback(file);
        _buffer = (byte*)NativeMemory.AlignedAlloc(BufferSize, Alignment);
        IsDirect = tryDirect && SetDirect(true);
    }

    /// <summary>Whether writes bypass the page cache; false where the file system refused it.</summary>
    public bool IsDirect { get; private set; }

    public void Write(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_buffer == null, this);
        while (!data.IsEmpty)
        {
            var n = Math.Min(data.Length, BufferSize - _filled);
            data[..n].CopyTo(new Span<byte>(_buffer + _filled, n));
            _filled += n;
            data = data[n..];
            if (_filled == BufferSize)
            {
                WriteOut(BufferSize);
            }
        }
    }

    /// <summary>Writes what is buffered: the aligned part directly, the tail through the page cache.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_buffer == null, this);
        var aligned = _filled / Alignment * Alignment;
        if (aligned > 0)
        {
            WriteOut(aligned);
        }

        if (_filled > 0)
        {
            if (IsDirect && SetDirect(false))
            {
                IsDirect = false;
            }

            WriteOut(_filled);
        }
    }

    private void WriteOut(int length)
    {
        var done = 0;
        while (done < length)
        {
            var n = Pwrite(_file, _buffer + done, (nuint)(length - done), _offset + done);
            if (n > 0)
            {
                done += (int)n;
                continue;
            }

            if (n == 0)
            {
                throw new IOException($"the file system wrote nothing of {length - done} bytes at offset {_offset + done}");
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == EIntr)
            {
                continue;
            }

            // Some file systems accept the flag and refuse the write (or a short write left the next one
            // unaligned): the rest goes through the page cache.
            if (errno == EInval && IsDirect)
            {
                SetDirect(false);
                IsDirect = false;
                continue;
            }

            // The errno as HResult, as .NET's own file errors carry it (ENOSPC is recognised by it).
            throw new IOException(Marshal.GetPInvokeErrorMessage(errno), errno);
        }

        // Paced even while direct: some file systems accept O_DIRECT and still write through the cache
        // (ext4 with data=journal, ZFS before 2.3, compressed btrfs). Where the bytes went around it,
        // this is two cheap calls per 8 MiB with nothing to do.
        _offset += length;
        _writeback.Advance(_offset);

        _filled -= length;
        if (_filled > 0)
        {
            Buffer.MemoryCopy(_buffer + length, _buffer, BufferSize, _filled);
        }
    }

    /// <summary>
    /// Turns <c>O_DIRECT</c> on or off for the open file; false if the file system refuses. The flag is
    /// read back: F_SETFL ignores flags it does not know, and 0x4000 is O_DIRECT on x86-64 only (the one
    /// architecture the packages are built for).
    /// </summary>
    private bool SetDirect(bool on)
    {
        var fd = (int)_file.DangerousGetHandle();
        var flags = Fcntl(fd, FGetFl, 0);
        return flags >= 0 && Fcntl(fd, FSetFl, on ? flags | ODirect : flags & ~ODirect) == 0
            && (Fcntl(fd, FGetFl, 0) & ODirect) == (on ? ODirect : 0);
    }

    public void Dispose()
    {
        if (_buffer != null)
        {
            NativeMemory.AlignedFree(_buffer);
            _buffer = null;
        }
    }

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    private static partial nint Pwrite(SafeFileHandle fd, byte* buffer, nuint count, long offset);
}
