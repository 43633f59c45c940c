using Amazon.Runtime;
using Amazon.S3;

namespace EtcdBackupd.Offsite;

/// <summary>
/// An S3 client for one target, built only from what the configuration says: the keys from its
/// credentials file, its endpoint and region. Nothing is looked up: no default credential chain, no
/// environment, no instance-metadata service (that would send traffic to 169.254.169.254), no region
/// discovery.
/// </summary>
internal static class BucketClient
{
    public static AmazonS3Client Create(OffsiteTarget target, TimeSpan requestTimeout)
    {
        // The SDK's own off switch for the metadata service (EC2InstanceMetadata.IsIMDSEnabled reads it),
        // set before any client exists, for the whole process.
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        var keys = SharedCredentials.Read(target.CredentialsFile, target.Profile);
        AWSCredentials credentials = keys.SessionToken is null
            ? new BasicAWSCredentials(keys.AccessKeyId, keys.SecretAccessKey)
            : new SessionAWSCredentials(keys.AccessKeyId, keys.SecretAccessKey, keys.SessionToken);
        var config = new AmazonS3Config
        {
            ServiceURL = target.Endpoint.ToString(),
            AuthenticationRegion = target.Region,
            ForcePathStyle = target.PathStyle,
            // "Standard" is fixed; the default "auto" mode asks the metadata service where it runs.
            DefaultConfigurationMode = DefaultConfigurationMode.Standard,
            // The uploader retries a whole object with its own backoff; one layer of retries is enough.
            MaxErrorRetry = 1,
            Timeout = requestTimeout,
            UseHttp = target.Endpoint.Scheme == "http",
            // Checksums only where the uploader asks for them (each part's SHA-256): the SDK's default
            // CRC32 trailer on every request is not understood by every S3-compatible store.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        return new AmazonS3Client(credentials, config);
    }
}
