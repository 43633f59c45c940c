namespace EtcdBackupd.Offsite;

/// <summary>One bucket that receives off-site copies: an entry of <c>Offsite.Targets</c>.</summary>
internal sealed record OffsiteTarget
{
    public const string DefaultRegion = "us-east-1";

    public const string DefaultProfile = "default";

    /// <summary>How an operator, the journal and the metrics name this target; unique.</summary>
    public required string Name { get; init; }

    /// <summary>The S3 endpoint, <c>https://s3.example.net</c>.</summary>
    public required Uri Endpoint { get; init; }

    public required string Bucket { get; init; }

    /// <summary>Where this cluster's objects go in the bucket: one prefix per cluster, never empty.</summary>
    public required string Prefix { get; init; }

    /// <summary>The region requests are signed for; most S3-compatible stores accept the default.</summary>
    public string Region { get; init; } = DefaultRegion;

    /// <summary>An AWS shared-credentials file (0600 or 0400).</summary>
    public required string CredentialsFile { get; init; }

    public string Profile { get; init; } = DefaultProfile;

    /// <summary>Path-style addressing (<c>endpoint/bucket/key</c>), as most stores other than AWS want. Default true.</summary>
    public bool PathStyle { get; init; } = true;

    /// <summary>The object's key for a file name: <c>Prefix</c> then the name.</summary>
    public string Key(string fileName) => Prefix + fileName;

    public override string ToString() => $"{Name} ({Endpoint.GetLeftPart(UriPartial.Authority)}/{Bucket}/{Prefix})";
}
