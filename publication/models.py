"""The public change signal's row, and the bases every record the public site reads is built on.

A model whose rows a public page can show uses ``PublicManager`` (or a manager made
``from_queryset`` of a ``PublicQuerySet`` subclass): every save, delete, ``update()`` and
``bulk_create()`` of it then raises the signal (``publication.stamp.changed``), so no page or
download can be served from the cache after the data under it changed. ``tests/publication``
fails when a model that public pages read is not such a model.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from publication.enums import PublicationStatus


class PublicState(models.Model):
    """One row: a counter raised inside every transaction that writes public data.

    On PostgreSQL the ``UPDATE`` takes the row's lock, so two transactions that change public
    data commit one after the other and the counter a reader sees always belongs to data that
    has committed: unlike a history id (handed out at insert, not at commit), it cannot be
    overtaken by a transaction that commits later. Reading it is one primary-key look-up,
    whatever the number of records or drafts.
    """

    counter = models.BigIntegerField(_("変更回数"), default=0)
    changed_at = models.DateTimeField(_("最終変更日時"))

    class Meta:
        verbose_name = _("公開データの変更記録")
        verbose_name_plural = _("公開データの変更記録")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1),
                name="publicstate_single_row",
                violation_error_message=_("公開データの変更記録は1行だけです。"),
            )
        ]

    def __str__(self):
        return f"{self.counter} ({self.changed_at:%Y-%m-%d %H:%M:%S})"


class PublicQuerySet(models.QuerySet):
    """Bulk writes of public records raise the change signal too (saves and deletes do it
    through ``publication.signals``), and send ``signals.bulk_write`` (the rows they write),
    each as one batch (``stamp.batch``). ``stamp`` and ``signals`` are imported where they are
    used: they import this module."""

    def update(self, **kwargs):
        from publication import signals, stamp

        with stamp.batch(using=self.db):
            signals.bulk_write.send(
                sender=self.model, using=self.db, queryset=self, objs=None, fields=list(kwargs)
            )
            rows = super().update(**kwargs)
            if rows:
                stamp.changed(using=self.db)
        return rows

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        from publication import signals, stamp

        with stamp.batch(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            if created:
                signals.bulk_write.send(
                    sender=self.model, using=self.db, queryset=None, objs=created, fields=None
                )
                stamp.changed(using=self.db)
        return created

    bulk_create.alters_data = True

    def bulk_update(self, objs, fields, *args, **kwargs):
        from publication import signals, stamp

        objs = list(objs)
        with stamp.batch(using=self.db):
            signals.bulk_write.send(
                sender=self.model, using=self.db, queryset=None, objs=objs, fields=list(fields)
            )
            rows = super().bulk_update(objs, fields, *args, **kwargs)
            if rows:
                stamp.changed(using=self.db)
        return rows

    bulk_update.alters_data = True


class PublicManager(models.Manager.from_queryset(PublicQuerySet)):
    pass


class Versioned(models.Model):
    """Optimistic locking: every save through a service raises ``version`` by one, and a form
    or an import preview made at an older version is refused (``publication.versioning``)."""

    version = models.PositiveIntegerField(_("版"), default=1)

    class Meta:
        abstract = True

    def bump_version(self, expected):
        """Raise the stored version from ``expected`` by one; ``False`` if it moved meanwhile."""
        bumped = (
            type(self)
            ._base_manager.filter(pk=self.pk, version=expected)
            .update(version=F("version") + 1)
        )
        if bumped:
            self.version = expected + 1
        return bool(bumped)


class PublishableQuerySet(PublicQuerySet):
    def published(self):
        """The only way public code reaches records: drafts never leave this method."""
        return self.filter(status=PublicationStatus.PUBLISHED)


class Publishable(Versioned):
    """A record staff publish and unpublish: 資料, remarks (feedback) and policy versions."""

    status = models.CharField(
        _("公開状態"),
        max_length=20,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        db_index=True,
    )
    published_at = models.DateTimeField(_("公開日時"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("公開した職員"),
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_published(self):
        return self.status == PublicationStatus.PUBLISHED

    def affects_public(self):
        """A write of a record that is or was public changes what readers see (unpublishing
        keeps ``published_at``); one of a draft that never was does not."""
        return self.is_published or self.published_at is not None


def published_has_date(name):
    return models.CheckConstraint(
        condition=Q(status=PublicationStatus.DRAFT) | Q(published_at__isnull=False),
        name=name,
        violation_error_message=_("公開した記録には公開日時が必要です。"),
    )
