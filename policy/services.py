"""Writes for policy texts: a version comes in from pasted text or from the city's Word file.

Both paths read the text first (``text_reader`` / ``docx_reader``, no database), then create the
version and its passages in one transaction, with their author in the history. A text that
cannot be read, or a name the policy already has, is refused with a Japanese
``ValidationError`` and nothing is written.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from policy import docx_reader, text_reader
from policy.enums import VersionStage
from policy.models import Passage, Policy, PolicyVersion
from publication.enums import PublicationStatus
from publication.stamp import public_write

audit = logging.getLogger("audit")


def policy_version_name_taken(*, policy, name):
    """The refusal for a name ``policy`` already has, or None (the admin asks before a preview)."""
    if PolicyVersion.objects.filter(policy=policy, name=name).exists():
        return ValidationError(
            _("「%(policy)s」には「%(name)s」という版がすでにあります。別の名称にしてください。")
            % {"policy": policy.title, "name": name},
            code="duplicate",
        )
    return None


@transaction.atomic
def policy_version_create_from_text(
    *, policy, name, dated_on, text, by=None, stage=VersionStage.DRAFT
):
    """Create a version of ``policy`` from pasted text (see ``text_reader`` for the rules)."""
    try:
        passages = text_reader.read_text(text)
    except text_reader.PolicyTextError as error:
        raise ValidationError(error.messages, code="unreadable") from error
    return _version_create(
        policy=policy, name=name, stage=stage, dated_on=dated_on, passages=passages, by=by
    )


@transaction.atomic
def policy_version_create_from_docx(
    *, policy, name, dated_on, content, filename, by=None, stage=VersionStage.DRAFT
):
    """Create a version of ``policy`` from the bytes of a Word file (.docx).

    Hostile or broken files are refused before they are parsed (``docx_reader``).
    """
    try:
        passages = docx_reader.read_docx(content, filename)
    except text_reader.PolicyTextError as error:
        raise ValidationError(error.messages, code="unreadable") from error
    return _version_create(
        policy=policy,
        name=name,
        stage=stage,
        dated_on=dated_on,
        passages=passages,
        source_filename=filename,
        by=by,
    )


def _version_create(*, policy, name, stage, dated_on, passages, by, source_filename=""):
    # Locking the policy serialises versions of one policy: the name check and the next
    # order number hold until the commit.
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    taken = policy_version_name_taken(policy=policy, name=name)
    if taken:
        raise taken
    last = policy.versions.aggregate(last=Max("order"))["last"]
    version = PolicyVersion(
        policy=policy,
        name=name,
        stage=stage,
        dated_on=dated_on,
        order=0 if last is None else last + 1,
        source_filename=source_filename,
    )
    version._history_user = by
    version.full_clean()
    version.save()
    rows = []
    for position, passage in enumerate(passages, start=1):
        row = Passage(
            version=version,
            position=position,
            kind=passage.kind,
            level=passage.level,
            heading_path="\n".join(passage.headings),
            text=passage.text,
        )
        # Positions are ours and unique by construction; the database checks them anyway.
        row.full_clean(validate_unique=False, validate_constraints=False)
        rows.append(row)
    bulk_create_with_history(rows, Passage, batch_size=500, default_user=by)
    audit.info(
        "policy version create: %s (pk=%s, %d passages)",
        version,
        version.pk,
        len(rows),
        extra={"user": by},
    )
    return version


@public_write
def policy_version_publish(*, version, by=None):
    """Publish a version of a policy's text: from now on the public pages may show it.

    Already published: nothing changes. The author is in the history and the audit log.
    """
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        return version
    version.status = PublicationStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = by
    version._history_user = by
    version.full_clean()
    version.save()
    audit.info("policy version publish: %s (pk=%s)", version, version.pk, extra={"user": by})
    return version


@public_write
def policy_version_unpublish(*, version, by=None):
    """Hide a version from the public site again (nothing is deleted; links stay, unseen)."""
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if not version.is_published:
        return version
    version.status = PublicationStatus.DRAFT
    version._history_user = by
    version.save()
    audit.info("policy version unpublish: %s (pk=%s)", version, version.pk, extra={"user": by})
    return version
