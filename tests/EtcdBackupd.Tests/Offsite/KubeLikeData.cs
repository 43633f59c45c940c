using System.Text;

namespace EtcdBackupd.Tests.Offsite;

/// <summary>
/// Deterministic bytes that compress like an etcd snapshot of a Kubernetes cluster: JSON-ish objects
/// with repeated keys and varying names, uids and numbers (neither random nor one line repeated).
/// The benchmark (bench/offsite-codec) compiles this file too.
/// </summary>
internal static class KubeLikeData
{
    private static readonly string[] Kinds = ["Pod", "ConfigMap", "Secret", "Service", "Endpoints", "Event", "Lease", "ReplicaSet"];
    private static readonly string[] Namespaces = ["default", "kube-system", "monitoring", "ingress-nginx", "payments", "search"];

    public static byte[] Create(int length, int seed = 17)
    {
        using var buffer = new MemoryStream(length);
        Write(buffer, length, seed);
        return buffer.ToArray();
    }

    public static void Write(Stream output, long length, int seed = 17)
    {
        var random = new Random(seed);
        var text = new StringBuilder(4096);
        var written = 0L;
        for (var i = 0L; written < length; i++)
        {
            text.Clear();
            var kind = Kinds[random.Next(Kinds.Length)];
            var ns = Namespaces[random.Next(Namespaces.Length)];
            var name = $"{kind.ToLowerInvariant()}-{random.Next(1000):x3}-{random.Next(100000):x5}";
            text.Append($"/registry/{kind.ToLowerInvariant()}s/{ns}/{name}\0");
            text.Append($"{{\"kind\":\"{kind}\",\"apiVersion\":\"v1\",\"metadata\":{{\"name\":\"{name}\",\"namespace\":\"{ns}\",");
            text.Append($"\"uid\":\"{Guid.CreateVersion7(DateTimeOffset.UnixEpoch.AddSeconds(i)):D}\",\"resourceVersion\":\"{1000000 + i}\",");
            text.Append($"\"creationTimestamp\":\"2026-11-{1 + random.Next(26):D2}T{random.Next(24):D2}:{random.Next(60):D2}:00Z\",");
            text.Append($"\"labels\":{{\"app\":\"{name[..^6]}\",\"tier\":\"{(random.Next(2) == 0 ? "backend" : "frontend")}\"}}}},");
            text.Append("\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"registry.example/");
            text.Append($"{name[..^6]}:v1.{random.Next(30)}.{random.Next(10)}\",\"resources\":{{\"requests\":{{\"cpu\":\"{random.Next(1, 2000)}m\",");
            text.Append($"\"memory\":\"{random.Next(16, 4096)}Mi\"}}}}}}]}},\"status\":{{\"phase\":\"Running\",\"podIP\":\"10.{random.Next(256)}.{random.Next(256)}.{random.Next(256)}\"}}}}\n");
            var bytes = Encoding.UTF8.GetBytes(text.ToString());
            var count = (int)Math.Min(bytes.Length, length - written);
            output.Write(bytes, 0, count);
            written += count;
        }
    }
}
