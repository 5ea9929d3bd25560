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


# -- the public site: published versions only ---------------------------------------------------


def public_policy_versions(policy):
    """The published versions of ``policy``, in its order (the only public way to versions)."""
    return PolicyVersion.objects.published().filter(policy_id=policy.pk)


def public_policy_comparison(policy):
    """``(first, latest, changes)``: the first published version (the draft the committee saw),
    the latest one (the adopted text) and every passage change between them, unchanged
    passages included, in the latest version's order. ``(None, None, [])`` when nothing of
    ``policy`` is published; ``changes`` is empty when only one version is."""
    versions = list(public_policy_versions(policy))
    if not versions:
        return None, None, []
    first, latest = versions[0], versions[-1]
    if first.pk == latest.pk:
        return first, latest, []
    return first, latest, policy_versions_diff(old=first, new=latest)


def public_policy_ids():
    """Ids of the policies that have a published version (they have a public page)."""
    return set(PolicyVersion.objects.published().values_list("policy_id", flat=True).distinct())
