from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The read-only open-data API (/api/v1/): no models of its own; it reads the published
    records through ``feedback.selectors``."""

    name = "api"
    verbose_name = _("オープンデータAPI")

    def ready(self):
        from api import checks  # noqa: F401  (registers the system checks)
