using EtcdBackupd.Configuration;

namespace EtcdBackupd.Etcd;

/// <summary>How to reach the local etcd member: the runbook's <c>--endpoints --cacert --cert --key</c>.</summary>
internal sealed class EtcdOptions
{
    public const string Section = "Etcd";

    /// <summary>Tried in order; the first one that answers <c>Status</c> is used.</summary>
    public required IReadOnlyList<Uri> Endpoints { get; init; }

    /// <summary>PEM bundle of the CA that signed etcd's server certificate; the system store when unset.</summary>
    public string? CaFile { get; init; }

    /// <summary>PEM client certificate, for etcd's <c>--client-cert-auth</c>.</summary>
    public string? CertFile { get; init; }

    /// <summary>PEM private key of <see cref="CertFile"/>.</summary>
    public string? KeyFile { get; init; }

    public const int DefaultDialTimeoutSeconds = 5;

    /// <summary>How long one endpoint gets to answer before the next is tried. Default 5 s, 1 to 120.</summary>
    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(DefaultDialTimeoutSeconds);

    /// <summary>The same endpoints and credentials, with a shorter wait per endpoint (health checks, status).</summary>
    public EtcdOptions WithDialTimeout(TimeSpan dialTimeout) =>
        new() { Endpoints = Endpoints, CaFile = CaFile, CertFile = CertFile, KeyFile = KeyFile, DialTimeout = dialTimeout };

    public static EtcdOptions Read(ConfigReader config)
    {
        var endpoints = new List<Uri>();
        var raw = config.StringArray("Etcd.Endpoints");
        if (raw.Count == 0)
        {
            config.Problem("Etcd.Endpoints", "at least one endpoint is required (for example [\"https://10.0.0.1:2379\"])");
        }

        for (var i = 0; i < raw.Count; i++)
        {
            if (Uri.TryCreate(raw[i], UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                && uri.AbsolutePath == "/")
            {
                endpoints.Add(uri);
            }
            else
            {
                config.Problem($"Etcd.Endpoints[{i}]", $"'{raw[i]}' is not an http:// or https:// URL such as https://10.0.0.1:2379");
            }
        }

        var certFile = config.ExistingFile("Etcd.CertFile");
        var keyFile = config.ExistingFile("Etcd.KeyFile");
        if ((certFile is null) != (keyFile is null))
        {
            config.Problem(certFile is null ? "Etcd.CertFile" : "Etcd.KeyFile",
                "Etcd.CertFile and Etcd.KeyFile go together: set both or neither");
        }

        var options = new EtcdOptions
        {
            Endpoints = endpoints,
            CaFile = config.ExistingFile("Etcd.CaFile"),
            CertFile = certFile,
            KeyFile = keyFile,
            DialTimeout = TimeSpan.FromSeconds(config.Int("Etcd.DialTimeoutSeconds", DefaultDialTimeoutSeconds, 1, 120)),
        };
        if (endpoints.Exists(e => e.Scheme == Uri.UriSchemeHttp) && (certFile is not null || options.CaFile is not null))
        {
            config.Problem("Etcd.Endpoints", "certificates are configured but an endpoint is plain http://; use https:// so they are used");
        }

        return options;
    }
}
