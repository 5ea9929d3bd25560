from django.db import models
from django.utils.translation import gettext_lazy as _

# One publication state for every public record (資料, remarks, policy versions).
from publication.enums import PublicationStatus  # noqa: F401


class MemberRole(models.TextChoices):
    CHAIR = "chair", _("委員長")
    VICE_CHAIR = "vice_chair", _("副委員長")
    MEMBER = "member", _("委員")
