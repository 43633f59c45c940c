namespace EtcdBackupd.Etcd;

/// <summary>etcd could not be reached or answered with an error; the message says which endpoint and why.</summary>
internal sealed class EtcdException(string message, Exception? inner = null) : Exception(message, inner);
