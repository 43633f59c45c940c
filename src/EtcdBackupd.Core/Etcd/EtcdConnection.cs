using EtcdBackupd.Etcd.Protocol;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Etcd;

/// <summary>A gRPC channel to the first configured endpoint that answered <c>Maintenance.Status</c>.</summary>
internal sealed class EtcdConnection : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly EtcdOptions _options;
    private int _disposed;

    private EtcdConnection(Uri endpoint, GrpcChannel channel, StatusResponse status, EtcdOptions options)
    {
        Endpoint = endpoint;
        _options = options;
        _channel = channel;
        Status = status;
        Maintenance = new Maintenance.MaintenanceClient(channel);
        Cluster = new Cluster.ClusterClient(channel);
        KV = new KV.KVClient(channel);
    }

    public Uri Endpoint { get; }

    /// <summary>The answer that made this endpoint the chosen one, read again by <see cref="CatchUpAsync"/>.</summary>
    public StatusResponse Status { get; private set; }

    public Maintenance.MaintenanceClient Maintenance { get; }

    /// <summary>For calls with hand-written marshallers (the snapshot stream).</summary>
    public CallInvoker CallInvoker => _channel.CreateCallInvoker();

    public Cluster.ClusterClient Cluster { get; }

    public KV.KVClient KV { get; }

    public static async Task<EtcdConnection> ConnectAsync(EtcdOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        using var factory = new EtcdChannelFactory(options);
        var failures = new List<string>();
        foreach (var endpoint in options.Endpoints)
        {
            var channel = factory.Create(endpoint);
            try
            {
                var status = await new Maintenance.MaintenanceClient(channel).StatusAsync(
                    new StatusRequest(), deadline: DateTime.UtcNow.Add(options.DialTimeout), cancellationToken: cancellationToken);
                EtcdLog.UsingEndpoint(logger, endpoint, status.Version, failures.Count);
                return new EtcdConnection(endpoint, channel, status, options);
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
            {
                var reason = EtcdErrors.Describe(e, options);
                EtcdLog.EndpointUnavailable(logger, endpoint, reason);
                failures.Add($"{endpoint}: {reason}");
                channel.Dispose();
            }
            catch
            {
                channel.Dispose();
                throw;
            }
        }

        throw new EtcdException("no etcd endpoint answered: " + string.Join("; ", failures));
    }

    /// <summary>
    /// Waits until this member has applied every write the cluster acknowledged before the call, then reads
    /// its status again. etcd streams a snapshot of what the member has applied, and a follower may be
    /// behind: a linearizable read makes it ask the leader for its commit index and wait for it. Returns
    /// why it could not (no quorum to ask within <paramref name="timeout"/>), or null once caught up.
    /// </summary>
    public async Task<string?> CatchUpAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        string? failure = null;
        try
        {
            await CountAllKeysAsync(serializable: false, DateTime.UtcNow.Add(timeout), cancellationToken);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            // A sentence ("etcd has no leader: ..."), not the gRPC status code's name.
            failure = EtcdErrors.Describe(e, _options);
        }

        Status = await Maintenance.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.Add(timeout), cancellationToken: cancellationToken);
        return failure;
    }

    /// <summary>What a snapshot's manifest records about the member it was taken from.</summary>
    public async Task<EtcdMemberInfo> DescribeMemberAsync(CancellationToken cancellationToken)
    {
        var members = await Cluster.MemberListAsync(new MemberListRequest(), cancellationToken: cancellationToken);
        // A count of every key, from this member's own store: a sanity figure for the manifest.
        var keys = await CountAllKeysAsync(serializable: true, deadline: null, cancellationToken);
        var self = members.Members.FirstOrDefault(m => m.ID == Status.Header.MemberId);
        var leader = members.Members.FirstOrDefault(m => m.ID == Status.Leader);
        return new EtcdMemberInfo(
            Endpoint,
            Status.Version,
            Status.Header.ClusterId,
            Status.Header.MemberId,
            string.IsNullOrEmpty(self?.Name) ? Status.Header.MemberId.ToString("x") : self.Name,
            Status.Header.Revision,
            Status.RaftIndex,
            Status.DbSize,
            Status.Leader,
            string.IsNullOrEmpty(leader?.Name) ? Status.Leader.ToString("x") : leader.Name,
            keys);
    }

    /// <summary>
    /// Counts every key ("\0" to "\0" is etcd's whole key space): serializable from this member's own
    /// store, or linearizable, which first has a follower catch up with the leader.
    /// </summary>
    private async Task<long> CountAllKeysAsync(bool serializable, DateTime? deadline, CancellationToken cancellationToken)
    {
        var all = ByteString.CopyFrom(0);
        var response = await KV.RangeAsync(new RangeRequest { Key = all, RangeEnd = all, CountOnly = true, Serializable = serializable },
            deadline: deadline, cancellationToken: cancellationToken);
        return response.Count;
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _channel.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
