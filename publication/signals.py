"""Saves and deletes of public records raise the change signal (``publication.stamp``).

A model may define ``affects_public()`` to say that a write of this row cannot change what the
public site shows (a draft that was never published); without it, every write counts. Which
models are public is read from their default manager: a ``PublicQuerySet`` (see
``publication.models``). ``connect_public_models`` runs once, in ``PublicationConfig.ready``.
"""

from django.apps import apps
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

from publication import stamp
from publication.models import PublicQuerySet

#: Sent by the bulk writes of a public model, which send no ``post_save``/``post_delete`` per
#: row (``PublicQuerySet``): ``update()`` and ``bulk_update()`` before the rows change
#: (``queryset`` or ``objs``, and ``fields``, the names written), ``bulk_create()`` after
#: (``objs``, with their primary keys; ``fields`` is ``None``: every field). Data kept from
#: public rows (``feedback.summaries``) listens to it as to ``post_save``.
bulk_write = Signal()


def public_models():
    """Every installed model whose rows public pages may show."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model._default_manager._queryset_class, PublicQuerySet)
    ]


def _changed(sender, instance, using, **kwargs):
    # A record may say that a write of it cannot change any public page (a remark that was
    # never published); by default every write counts.
    affects_public = getattr(instance, "affects_public", None)
    if affects_public is None or affects_public():
        stamp.changed(using=using)


def connect_public_models():
    for model in public_models():
        uid = f"public-change-{model._meta.label_lower}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}-delete")
