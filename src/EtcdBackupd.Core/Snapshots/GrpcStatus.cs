using System.Net;
using Grpc.Core;

namespace EtcdBackupd.Snapshots;

/// <summary>
/// gRPC's answer to a call made as plain HTTP/2: <c>grpc-status</c> in the headers when the call failed
/// at once, in the trailers after the body otherwise. Failures become the <see cref="RpcException"/> the
/// rest of the engine already classifies.
/// </summary>
internal static class GrpcStatus
{
    public static void ThrowUnlessStreaming(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"etcd answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}"));
        }

        if (Read(response.Headers) is { } status)
        {
            // A "trailers-only" answer: the call failed before any message.
            throw new RpcException(status.StatusCode == StatusCode.OK
                ? new Status(StatusCode.Internal, "etcd ended the snapshot stream before sending anything")
                : status);
        }
    }

    public static void ThrowUnlessOk(HttpResponseMessage response)
    {
        var status = Read(response.TrailingHeaders)
            ?? new Status(StatusCode.Internal, "the snapshot stream ended without gRPC's status: the connection was cut");
        if (status.StatusCode != StatusCode.OK)
        {
            throw new RpcException(status);
        }
    }

    private static Status? Read(System.Net.Http.Headers.HttpHeaders headers)
    {
        if (!headers.TryGetValues("grpc-status", out var codes))
        {
            return null;
        }

        var code = int.TryParse(codes.FirstOrDefault(), out var parsed) ? (StatusCode)parsed : StatusCode.Unknown;
        var message = headers.TryGetValues("grpc-message", out var messages) ? Uri.UnescapeDataString(messages.FirstOrDefault() ?? "") : "";
        return new Status(code, message);
    }
}
