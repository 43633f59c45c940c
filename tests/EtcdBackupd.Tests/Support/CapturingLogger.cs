using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Tests.Support;

/// <summary>Collects log events by name so a test can wait for "skipped" as surely as for "taken".</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    public Channel<(string EventName, string Message)> Events { get; } = Channel.CreateUnbounded<(string, string)>();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Events.Writer.TryWrite((eventId.Name ?? "", formatter(state, exception)));
}
