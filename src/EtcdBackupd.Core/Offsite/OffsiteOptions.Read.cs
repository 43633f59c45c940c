using EtcdBackupd.Configuration;
using EtcdBackupd.Offsite.Age;
using EtcdBackupd.Offsite.Codec;

namespace EtcdBackupd.Offsite;

internal sealed partial class OffsiteOptions
{
    public static OffsiteOptions Read(ConfigReader config)
    {
        var targets = new List<OffsiteTarget>();
        for (var i = 0; config.Has($"Offsite.Targets.{i}"); i++)
        {
            targets.Add(ReadTarget(config, i));
            if (targets.Take(i).Any(t => string.Equals(t.Name, targets[i].Name, StringComparison.OrdinalIgnoreCase)))
            {
                config.Problem($"Offsite.Targets.{i}.Name", $"'{targets[i].Name}' names another target too; each name must be unique");
            }
        }

        var compression = config.String("Offsite.Compression") ?? DefaultCompression;
        if (compression is not ("zstd" or "none"))
        {
            config.Problem("Offsite.Compression", $"'{compression}' must be zstd or none");
        }

        var retention = config.String("Offsite.Retention") ?? "daemon";
        if (!Enum.TryParse<OffsiteRetention>(retention, ignoreCase: true, out var kept) || retention.All(char.IsAsciiDigit))
        {
            config.Problem("Offsite.Retention", $"'{retention}' must be daemon (this daemon prunes) or bucket (the bucket's own rules do)");
        }

        var texts = config.StringArray("Offsite.AgeRecipients");
        var recipients = new List<AgeRecipient>();
        for (var i = 0; i < texts.Count; i++)
        {
            if (AgeRecipient.TryParse(texts[i], out var recipient, out var problem))
            {
                recipients.Add(recipient);
            }
            else
            {
                config.Problem($"Offsite.AgeRecipients[{i}]", problem);
            }
        }

        var identityFile = config.String("Offsite.AgeIdentityFile");
        if (identityFile is not null)
        {
            // Read once at start, so that a key readable by others or a wrong path stops the daemon now, not the day of the fetch.
            try
            {
                _ = Age.AgeIdentityFile.Read(identityFile);
            }
            catch (OffsiteCodecException e)
            {
                config.Problem("Offsite.AgeIdentityFile", e.Message);
            }
        }

        var level = config.Int("Offsite.CompressionLevel", DefaultCompressionLevel, ZstdLimits.MinLevel, ZstdLimits.MaxLevel);
        return new OffsiteOptions
        {
            Targets = targets,
            Compression = compression,
            CompressionLevel = level,
            AgeRecipients = texts,
            Codec = new CodecSettings(compression == "none" ? OffsiteCompression.None : OffsiteCompression.Zstd, level, recipients),
            AgeIdentityFile = identityFile,
            Retention = kept,
            RetentionDays = config.String("Offsite.RetentionDays") is null ? null : config.Int("Offsite.RetentionDays", 0, 1, 3650),
            Attempts = config.Int("Offsite.Attempts", DefaultAttempts, 1, 10),
            Timeout = TimeSpan.FromSeconds(config.Int("Offsite.TimeoutSeconds", DefaultTimeoutSeconds, 10, 86400)),
        };
    }

    private static OffsiteTarget ReadTarget(ConfigReader config, int i)
    {
        var key = $"Offsite.Targets.{i}";
        var endpointText = config.RequiredString($"{key}.Endpoint", "https://s3.example.net");
        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            if (endpointText.Length > 0)
            {
                config.Problem($"{key}.Endpoint", $"'{endpointText}' must be an http:// or https:// URL");
            }

            endpoint = new Uri("https://invalid.invalid");
        }

        var prefix = config.String($"{key}.Prefix");
        if (prefix is null)
        {
            config.Problem($"{key}.Prefix", "is required and not empty (for example clusters/prod-1/): one prefix per cluster, so clusters sharing a bucket never touch each other's objects");
        }

        var target = new OffsiteTarget
        {
            Name = config.RequiredString($"{key}.Name", "primary"),
            Endpoint = endpoint,
            Bucket = config.RequiredString($"{key}.Bucket", "etcd-backups"),
            Prefix = prefix ?? "",
            Region = config.String($"{key}.Region") ?? OffsiteTarget.DefaultRegion,
            CredentialsFile = config.RequiredString($"{key}.CredentialsFile", "/etc/etcd-backupd/s3-credentials"),
            Profile = config.String($"{key}.Profile") ?? OffsiteTarget.DefaultProfile,
            PathStyle = config.Bool($"{key}.PathStyle", true),
        };
        if (target.CredentialsFile.Length > 0 && SharedCredentials.Problem(target.CredentialsFile, target.Profile) is { } problem)
        {
            config.Problem($"{key}.CredentialsFile", problem);
        }

        return target;
    }
}
