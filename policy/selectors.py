"""Reads for policy texts that span relations: a version's passages, two versions compared."""

from policy import textdiff
from policy.models import PolicyVersion


def policy_version_passages(version):
    return list(version.passages.order_by("position"))


def policy_version_others(version):
    """The other versions of the same policy, in their order."""
    return PolicyVersion.objects.filter(policy_id=version.policy_id).exclude(pk=version.pk)


def policy_version_previous(version):
    """The version before ``version`` in its policy's order, or None."""
    earlier = [v for v in PolicyVersion.objects.filter(policy_id=version.policy_id)]
    index = next(i for i, v in enumerate(earlier) if v.pk == version.pk)
    return earlier[index - 1] if index else None


def policy_versions_diff(*, old, new):
    """The passage changes from ``old`` to ``new`` (``textdiff.PassageChange`` list)."""
    return textdiff.diff_passages(policy_version_passages(old), policy_version_passages(new))
