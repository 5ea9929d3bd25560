from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicationConfig(AppConfig):
    """What the public site shows changed: the commit-ordered change signal and the page cache."""

    name = "publication"
    verbose_name = _("公開データの変更記録")

    def ready(self):
        # The receivers name the public models: imported once the app registry is ready.
        from publication import signals

        signals.connect_public_models()
