from axes import apps as axes_apps
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafeguardsConfig(AppConfig):
    """Staff sessions, login lockout, the audit log and the error pages."""

    name = "safeguards"
    verbose_name = _("安全管理")

    def ready(self):
        # Importing the module connects its receivers; here, once the apps are loaded, as
        # Django's documentation on signals asks.
        from safeguards import signals  # noqa: F401


class AxesConfig(axes_apps.AppConfig):
    """django-axes under a name staff understand in the admin menu instead of 「Axes」.

    Its models' names are translated in locale/ja (axes ships no Japanese). It keeps axes' own
    label and migrations: only the name shown in the admin differs.
    """

    default = False  # not the configuration of safeguards itself
    verbose_name = _("ログイン制限")
