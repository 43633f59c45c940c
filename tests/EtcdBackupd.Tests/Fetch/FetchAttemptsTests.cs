using EtcdBackupd.Fetch;

namespace EtcdBackupd.Tests.Fetch;

/// <summary>The loop both fetchers share: which failures pass to the next source, which end the fetch, and what the answer says.</summary>
[Category("Fast")]
internal sealed class FetchAttemptsTests
{
    private static FetchAttempts<string> Attempts() =>
        new(s => s, "no source configured", (_, e) => (FetchFailure.Unreachable, e.Message), FetchFailure.Invalid, FetchFailure.Unreachable);

    [Test]
    public async Task FirstAsync_PassesABadCopyAndADeadSourceOver_AndTakesTheNext()
    {
        var attempts = Attempts();
        var refused = new List<string>();

        var fetched = await attempts.FirstAsync(["a", "b", "c"], s => s, (s, _) => s switch
        {
            "a" => throw new FetchException(FetchFailure.Invalid, "fails the trailer"),
            "b" => throw new IOException("connection refused"),
            _ => Task.FromResult("from " + s),
        }, (s, reason) => refused.Add($"{s}: {reason}"), CancellationToken.None);

        Assert.That(fetched, Is.EqualTo("from c"));
        Assert.That(refused, Is.EqualTo(new[] { "a: fails the trailer", "b: connection refused" }));
    }

    [TestCase(FetchFailure.NoSpace)]
    [TestCase(FetchFailure.Exists)]
    [TestCase(FetchFailure.WriteFailed)]
    public void FirstAsync_AFailureNoOtherSourceCouldMend_EndsTheFetchWithoutAskingTheNext(FetchFailure failure)
    {
        var asked = new List<string>();

        var e = Assert.ThrowsAsync<FetchException>(() => Attempts().FirstAsync(["a", "b"], s => s, (s, _) =>
        {
            asked.Add(s);
            return Task.FromException<string>(new FetchException(failure, "here"));
        }, (_, _) => { }, CancellationToken.None));

        Assert.That(e!.Failure, Is.EqualTo(failure));
        Assert.That(asked, Is.EqualTo(new[] { "a" }));
    }

    [Test]
    public void FirstAsync_CancelledByTheCaller_StopsRatherThanBlamingTheSource()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.That(() => Attempts().FirstAsync(["a", "b"], s => s,
            (_, token) => Task.FromCanceled<string>(token), (_, _) => Assert.Fail("the source was blamed"), cancelled.Token),
            Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void Failed_AfterSeveralFailures_AnswersTheMostTellingAndWhatEachSaid()
    {
        var attempts = Attempts();
        attempts.Add("a", FetchFailure.NotFound, "not there");
        attempts.Add("b", new IOException("timed out"));
        attempts.Add("c", FetchFailure.Invalid, "differs from its manifest");

        var e = attempts.Failed("x.db was not fetched");

        Assert.That(e.Failure, Is.EqualTo(FetchFailure.Invalid));
        Assert.That(e.Message, Is.EqualTo("x.db was not fetched: a: not there; b: timed out; c: differs from its manifest"));
    }

    [Test]
    public void Failed_WithNoSourceAsked_IsNotFoundAndSaysNoneIsConfigured()
    {
        var e = Attempts().Failed("nothing fetched");

        Assert.That(e.Failure, Is.EqualTo(FetchFailure.NotFound));
        Assert.That(e.Message, Is.EqualTo("nothing fetched: no source configured"));
    }
}
