using System.Security.Cryptography;

namespace EtcdBackupd.Tests.Support;

/// <summary>Every file in a directory with its SHA-256: what "earlier snapshots untouched" is checked against.</summary>
internal static class DirectoryState
{
    public static Dictionary<string, string> Capture(string directory) =>
        Directory.GetFiles(directory).ToDictionary(
            f => System.IO.Path.GetFileName(f),
            f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))));
}
