namespace EtcdBackupd.State;

/// <summary>The sends each peer is owed: added when a peer does not take one, settled when it does.</summary>
internal sealed partial class CopyLedger
{
    public IReadOnlyList<OwedSend> Owed() => ReadFile().Owed ?? [];

    /// <summary>Adds <paramref name="sends"/>; one already owed (same peer, snapshot and kind) keeps its age and counts the try.</summary>
    public void Owe(IReadOnlyList<OwedSend> sends)
    {
        if (sends.Count == 0)
        {
            return;
        }

        // Only a retry's count may be dropped while the file refuses changes: a send owed for the first time may not.
        var owedBefore = Owed();
        var retriesOnly = sends.All(send => owedBefore.Any(o => o.IsSameAs(send)));
        Update(file =>
        {
            var owed = (file.Owed ?? []).ToList();
            foreach (var send in sends)
            {
                var i = owed.FindIndex(o => o.IsSameAs(send));
                owed.Add(i < 0 ? send : send with { Since = owed[i].Since, Tries = owed[i].Tries + send.Tries });
                if (i >= 0)
                {
                    owed.RemoveAt(i);
                }
            }

            return file with { Owed = owed };
        }, mayGo: retriesOnly);
    }

    /// <summary>Removes what is no longer owed: sent, or with nothing left to send.</summary>
    public void Settle(OwedSend send)
    {
        if (!Owed().Any(o => o.IsSameAs(send)))
        {
            return;
        }

        Update(file => file with { Owed = [.. (file.Owed ?? []).Where(o => !o.IsSameAs(send))] });
    }
}
