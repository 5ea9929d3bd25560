from axes import apps as axes_apps
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The project package as an app only to connect the audit log to login signals."""

    name = "hiratsuka_site"
    verbose_name = _("サイト設定")

    def ready(self):
        from hiratsuka_site import signals  # noqa: F401  (connects the receivers)


class AxesConfig(axes_apps.AppConfig):
    """django-axes under a name staff understand in the admin menu instead of 「Axes」.

    Its models' names are translated in locale/ja (axes ships no Japanese).
    """

    default = False  # not the configuration of hiratsuka_site itself
    verbose_name = _("ログイン制限")
