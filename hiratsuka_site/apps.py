from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The project package as an app only to connect the audit log to login signals."""

    name = "hiratsuka_site"
    verbose_name = _("サイト設定")

    def ready(self):
        from hiratsuka_site import signals  # noqa: F401  (connects the receivers)
