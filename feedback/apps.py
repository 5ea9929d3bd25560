from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _

from feedback.search import refresh_search_text


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("委員会の意見と市の考え方")

    def ready(self):
        # The imports wait for the app registry: checks and models need the apps loaded.
        # checks registers the system checks.
        from feedback import checks, summaries  # noqa: F401

        # What a 資料's page shows about all of its rows is kept by the writes.
        summaries.connect()

        # A policy item's heading is part of its remarks' search text. The policy app knows
        # nothing of remarks (feedback depends on policy, not the reverse), so feedback
        # listens for the rename; it runs inside the rename's transaction.
        from policy.models import PolicyItem

        post_save.connect(
            _refresh_item_remarks, sender=PolicyItem, dispatch_uid="feedback-item-search"
        )


def _refresh_item_remarks(sender, instance, created, **kwargs):
    if created:
        return
    refresh_search_text(instance.comments.values_list("pk", flat=True))
