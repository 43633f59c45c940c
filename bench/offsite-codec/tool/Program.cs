using EtcdBackupd.Offsite.Age;
using EtcdBackupd.Offsite.Codec;
using EtcdBackupd.Tests.Offsite;

// bench tool: gen PATH BYTES | encode IN OUT LEVEL RECIPIENT | decode IN OUT IDENTITY_FILE
switch (args)
{
    case ["gen", var path, var bytes]:
        using (var file = File.Create(path))
            KubeLikeData.Write(file, long.Parse(bytes));
        break;
    case ["encode", var input, var output, var level, var recipient]:
    {
        var settings = new CodecSettings(OffsiteCompression.Zstd, int.Parse(level), [AgeRecipient.Parse(recipient)]);
        await using var source = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        await using var sink = new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        await using (var encode = OffsiteCodec.Encode(sink, settings))
            await source.CopyToAsync(encode, 128 * 1024);
        Console.WriteLine($"{source.Length} {sink.Length}");
        break;
    }
    case ["decode", var input, var output, var identityFile]:
    {
        await using var source = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        await using var sink = new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        await using (var decode = OffsiteCodec.Decode(source, OffsiteCompression.Zstd, AgeIdentity.ReadFile(identityFile)))
            await decode.CopyToAsync(sink, 128 * 1024);
        Console.WriteLine($"{source.Length} {sink.Length}");
        break;
    }
    default:
        Console.Error.WriteLine("usage: gen PATH BYTES | encode IN OUT LEVEL RECIPIENT | decode IN OUT IDENTITY_FILE");
        return 2;
}
return 0;
