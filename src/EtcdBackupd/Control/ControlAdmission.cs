namespace EtcdBackupd.Control;

/// <summary>
/// Who gets a connection slot: root has slots of its own (<c>Control.RootConnections</c>), so its
/// <c>status</c> and <c>restore</c> always get through; every other uid may hold
/// <c>Control.ConnectionsPerUser</c> connections, and all of them together <c>Control.MaxConnections</c>.
/// Over a limit a client is answered <c>busy</c> at once instead of holding a slot. One lock, held
/// only to count.
/// </summary>
internal sealed class ControlAdmission(ControlOptions options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, int> _byUid = [];
    private int _root;
    private int _others;

    /// <summary>A slot for <paramref name="peer"/>, released by disposing it; null with the reason when there is none.</summary>
    public IDisposable? TryAdmit(PeerCredentials peer, out string? refusal)
    {
        lock (_lock)
        {
            refusal = null;
            if (peer.IsRoot)
            {
                if (_root >= options.RootConnections)
                {
                    refusal = $"root holds {_root} connections already (Control.RootConnections)";
                    return null;
                }

                _root++;
                return new Slot(this, peer);
            }

            var mine = _byUid.GetValueOrDefault(peer.Uid);
            if (mine >= options.ConnectionsPerUser)
            {
                refusal = $"uid {peer.Uid} holds {mine} connections already (Control.ConnectionsPerUser); close one and try again";
                return null;
            }

            if (_others >= options.MaxConnections)
            {
                refusal = $"{_others} connections are open (Control.MaxConnections); try again shortly";
                return null;
            }

            _byUid[peer.Uid] = mine + 1;
            _others++;
            return new Slot(this, peer);
        }
    }

    private void Release(PeerCredentials peer)
    {
        lock (_lock)
        {
            if (peer.IsRoot)
            {
                _root--;
                return;
            }

            _others--;
            if (--_byUid[peer.Uid] == 0)
            {
                _byUid.Remove(peer.Uid);
            }
        }
    }

    private sealed class Slot(ControlAdmission admission, PeerCredentials peer) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                admission.Release(peer);
            }
        }
    }
}
