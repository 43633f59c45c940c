using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Tests.Snapshots;

/// <summary>What a pin's label may hold: letters, digits and <c>._-</c>, 1 to 64 characters.</summary>
[Category("Fast")]
internal sealed class PinLabelTests
{
    [TestCase("before-etcd-3.5.17")]
    [TestCase("upgrade_2026.11")]
    [TestCase("a")]
    public void Problem_ALabelOfLettersDigitsAndDotUnderscoreDash_IsNone(string label) => Assert.That(PinLabel.Problem(label), Is.Null);

    [Test]
    public void Problem_SixtyFourCharacters_IsNoneAndSixtyFiveIsOne()
    {
        Assert.That(PinLabel.Problem(new string('x', 64)), Is.Null);
        Assert.That(PinLabel.Problem(new string('x', 65)), Does.Contain("at most 64 characters"));
    }

    [TestCase("before upgrade", "U+0020")]
    [TestCase("a/b", "'/'")]
    [TestCase("vor-der-Änderung", "'Ä'")]
    [TestCase("x\ny", "U+000A")]
    public void Problem_ACharacterOutsideTheSet_IsNamed(string label, string named) =>
        Assert.That(PinLabel.Problem(label), Does.Contain(named).And.Contain("letters, digits"));

    [Test]
    public void Problem_AnEmptyLabel_SaysALabelIsNeeded() => Assert.That(PinLabel.Problem(""), Does.Contain("needs a label"));
}
