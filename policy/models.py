from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from policy.enums import ItemKind, PolicyStage
from publication.models import PublicManager, Versioned


class PolicyManager(PublicManager):
    def get_by_natural_key(self, title):
        return self.get(title=title)


class Policy(Versioned):
    """A policy document the committee is consulted on, e.g. 平塚市デジタル化基本方針."""

    title = models.CharField(_("名称"), max_length=200, unique=True)
    stage = models.CharField(
        _("段階"), max_length=20, choices=PolicyStage.choices, default=PolicyStage.DRAFT
    )
    # Optional even when adopted: older tables often say that a policy was adopted, not when.
    adopted_on = models.DateField(_("策定日"), null=True, blank=True)
    url = models.URLField(_("公開ページのURL"), blank=True)
    description = models.TextField(_("概要"), blank=True)

    objects = PolicyManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("政策・計画")
        verbose_name_plural = _("政策・計画")
        ordering = ["title"]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.title,)


class PolicyItemManager(PublicManager):
    def get_by_natural_key(self, policy_title, heading):
        return self.get(policy__title=policy_title, heading=heading)


class PolicyItem(Versioned):
    """A 対象項目: the part of a policy a remark is about, with its heading as written."""

    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="items", verbose_name=_("政策・計画")
    )
    heading = models.CharField(_("見出し"), max_length=200)
    kind = models.CharField(
        _("種別"), max_length=20, choices=ItemKind.choices, default=ItemKind.SECTION
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上位の項目"),
    )
    order = models.PositiveIntegerField(_("表示順"), default=0)

    objects = PolicyItemManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("対象項目")
        verbose_name_plural = _("対象項目")
        ordering = ["policy", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "heading"],
                name="policyitem_unique_heading_per_policy",
                violation_error_message=_("同じ政策・計画に同じ見出しの対象項目があります。"),
            ),
            models.UniqueConstraint(
                fields=["policy"],
                condition=Q(kind=ItemKind.WHOLE_DOCUMENT),
                name="policyitem_one_whole_document_per_policy",
                violation_error_message=_("文書全体を表す対象項目は政策・計画ごとに一つです。"),
            ),
            models.CheckConstraint(
                condition=Q(kind=ItemKind.SECTION) | Q(parent__isnull=True),
                name="policyitem_whole_document_has_no_parent",
                violation_error_message=_("文書全体を表す対象項目には上位の項目を指定できません。"),
            ),
        ]

    def __str__(self):
        return self.heading

    def get_absolute_url(self):
        return reverse("feedback:policy-item-detail", kwargs={"pk": self.pk})

    def natural_key(self):
        return (self.policy.title, self.heading)

    natural_key.dependencies = ["policy.policy"]

    def clean(self):
        super().clean()
        if self.parent_id is None:
            return
        if self.parent.policy_id != self.policy_id:
            raise ValidationError(
                {"parent": _("上位の項目は同じ政策・計画のものを選んでください。")}
            )
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": _("項目を自分自身の下位に置くことはできません。")})
            ancestor = ancestor.parent
