from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyStage(models.TextChoices):
    DRAFT = "draft", _("素案")
    ADOPTED = "adopted", _("策定")


class ItemKind(models.TextChoices):
    # A remark can be about the whole document rather than one of its headings
    # (資料2 rows 1–2: 「平塚市デジタル化基本方針（素案）」);
    # such a target is an item of its own kind.
    WHOLE_DOCUMENT = "whole", _("文書全体")
    SECTION = "section", _("章・項目")


class VersionStage(models.TextChoices):
    """The stage a version of a policy's text stands for.

    Wider than ``PolicyStage``: between the draft (素案) and the adopted text (策定版) a city
    often publishes a 案 for public comment (パブリックコメント), which is no stage of the policy
    itself. The values shared with ``PolicyStage`` are spelled the same.
    """

    DRAFT = "draft", _("素案")
    PROPOSAL = "proposal", _("案")
    ADOPTED = "adopted", _("策定版")


class PassageKind(models.TextChoices):
    HEADING = "heading", _("見出し")
    PARAGRAPH = "paragraph", _("本文")
