using System.Text.RegularExpressions;

namespace EtcdBackupd.Tests.Support;

/// <summary>What an operator reads must not name .NET's types: a namespace-qualified name, or an exception's.</summary>
internal static partial class OperatorText
{
    [GeneratedRegex(@"\b(System|Grpc|Renci)\.\w|Exception\b")]
    public static partial Regex DotNetNames();
}
