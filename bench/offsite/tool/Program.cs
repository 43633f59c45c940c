using System.Security.Cryptography;
using EtcdBackupd.Etcd.Protocol;
using EtcdBackupd.Offsite;
using EtcdBackupd.Offsite.Age;
using EtcdBackupd.Offsite.Codec;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Offsite;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;

// bench tool:
//   load ENDPOINT BYTES            puts about BYTES of Kubernetes-like objects into etcd (64 puts in flight)
//   name SNAPSHOT_DB               renames an etcdctl snapshot as the daemon names one and writes its manifest; prints the path
//   upload SNAPSHOT ENDPOINT BUCKET PREFIX CREDENTIALS RECIPIENT   one upload, zstd level 3 + age, as the daemon sends it
switch (args)
{
    case ["load", var endpoint, var bytes]:
        await LoadAsync(new Uri(endpoint), long.Parse(bytes));
        break;
    case ["name", var db]:
        Console.WriteLine(Name(db));
        break;
    case ["upload", var path, var endpoint, var bucket, var prefix, var credentials, var recipient]:
    {
        var snapshot = new SnapshotResult(path, SnapshotManifest.FromJson(File.ReadAllBytes(SnapshotFileName.ManifestOf(path)))!);
        var target = new OffsiteTarget { Name = "bench", Endpoint = new Uri(endpoint), Bucket = bucket, Prefix = prefix, CredentialsFile = credentials };
        var options = new OffsiteOptions
        {
            Targets = [target], Attempts = 1, Timeout = TimeSpan.FromMinutes(30), AgeRecipients = [recipient],
            Codec = new CodecSettings(OffsiteCompression.Zstd, 3, [AgeRecipient.Parse(recipient)]), Retention = OffsiteRetention.Bucket,
        };
        var results = await new OffsiteUploader(options, TimeProvider.System, NullLogger.Instance).UploadAsync(snapshot, CancellationToken.None);
        if (!results[0].Ok)
        {
            Console.Error.WriteLine($"upload failed: {results[0].Error}");
            return 1;
        }

        Console.WriteLine(results[0].Key);
        // Where the peak RSS goes: the managed heap's own figures, beside GNU time's whole-process peak.
        var gc = GC.GetGCMemoryInfo();
        Console.Error.WriteLine($"gc: heap {gc.HeapSizeBytes >> 10} KiB, committed {gc.TotalCommittedBytes >> 10} KiB, "
            + $"allocated {GC.GetTotalAllocatedBytes() >> 20} MiB, collections gen0 {GC.CollectionCount(0)} gen1 {GC.CollectionCount(1)} gen2 {GC.CollectionCount(2)}; "
            + string.Join(", ", File.ReadLines("/proc/self/status").Where(l => l.StartsWith("Rss") || l.StartsWith("VmHWM"))));
        break;
    }
    default:
        Console.Error.WriteLine("usage: load ENDPOINT BYTES | name SNAPSHOT_DB | upload SNAPSHOT ENDPOINT BUCKET PREFIX CREDENTIALS RECIPIENT");
        return 2;
}
return 0;

// KubeLikeData writes "key\0value\n" objects; they go to etcd as they are, 64 puts in flight.
static async Task LoadAsync(Uri endpoint, long bytes)
{
    var file = Path.GetTempFileName();
    try
    {
        using (var output = File.Create(file))
            KubeLikeData.Write(output, bytes);
        using var channel = GrpcChannel.ForAddress(endpoint);
        var kv = new KV.KVClient(channel);
        var pending = new List<Task>();
        foreach (var line in File.ReadLines(file))
        {
            var split = line.IndexOf('\0');
            if (split <= 0)
                continue;
            pending.Add(kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(line[..split]), Value = ByteString.CopyFromUtf8(line[(split + 1)..]) }).ResponseAsync);
            if (pending.Count == 64)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }

        await Task.WhenAll(pending);
    }
    finally
    {
        File.Delete(file);
    }
}

// The uploader reads the manifest beside the file, as after a snapshot of the daemon's.
static string Name(string db)
{
    var createdAt = DateTimeOffset.UtcNow;
    var path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(db))!, SnapshotFileName.Build(createdAt, "bench", 1));
    File.Move(db, path);
    var length = new FileInfo(path).Length;
    string sha;
    using (var stream = File.OpenRead(path))
        sha = Convert.ToHexStringLower(SHA256.HashData(stream));
    var manifest = new SnapshotManifest
    {
        FileName = Path.GetFileName(path), Sha256 = sha, SizeBytes = length, EtcdVersion = "3.5", ClusterId = "1", MemberId = "1",
        MemberName = "bench", Endpoint = "http://127.0.0.1/", Revision = 1, RaftIndex = 1, DbSizeBytes = length, KeyCount = 1,
        CreatedAt = createdAt, Host = "bench", EtcdBackupdVersion = "bench",
    };
    File.WriteAllBytes(SnapshotFileName.ManifestOf(path), manifest.ToJson());
    return path;
}
