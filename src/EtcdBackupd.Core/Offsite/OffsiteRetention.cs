namespace EtcdBackupd.Offsite;

/// <summary><c>Offsite.Retention</c>: who deletes old off-site copies.</summary>
internal enum OffsiteRetention
{
    /// <summary>The uploading daemon prunes after its upload, by the local rule.</summary>
    Daemon,

    /// <summary>The daemon never deletes: the bucket's lifecycle rules or object lock do, so its credentials need no delete permission.</summary>
    Bucket,
}
