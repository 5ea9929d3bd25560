from django.db import models
from django.utils.translation import gettext_lazy as _

# One publication state for every public record (資料, remarks, policy versions).
from publication.enums import PublicationStatus  # noqa: F401


class MemberRole(models.TextChoices):
    CHAIR = "chair", _("委員長")
    VICE_CHAIR = "vice_chair", _("副委員長")
    MEMBER = "member", _("委員")


class ChangeRequestStatus(models.TextChoices):
    """A proposed change to a published record (``ChangeRequest``): its review state."""

    PENDING = "pending", _("承認待ち")
    RETURNED = "returned", _("差し戻し")
    APPROVED = "approved", _("承認済み")
    WITHDRAWN = "withdrawn", _("取り下げ")


OPEN_CHANGE_REQUEST = (ChangeRequestStatus.PENDING, ChangeRequestStatus.RETURNED)
