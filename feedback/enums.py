from django.db import models
from django.utils.translation import gettext_lazy as _


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("下書き")
    PUBLISHED = "published", _("公開")


class MemberRole(models.TextChoices):
    CHAIR = "chair", _("委員長")
    VICE_CHAIR = "vice_chair", _("副委員長")
    MEMBER = "member", _("委員")
