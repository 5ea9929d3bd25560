"""Start-up checks (``manage.py check``, ``migrate``, ``runserver``, CI's ``check --deploy``):
the open-data files carry the city's code and name in every row, so a wrong code would be
published everywhere."""

from django.conf import settings
from django.core.checks import Error, register

from api.datasets import city_code_errors


@register()
def city_identity(app_configs, **kwargs):
    errors = [
        Error(message, hint="全国地方公共団体コードは総務省の一覧で確認できます。", id="api.E001")
        for message in city_code_errors(getattr(settings, "CITY_CODE", None))
    ]
    if not str(getattr(settings, "CITY_NAME", "")).strip():
        errors.append(Error("CITY_NAME（地方公共団体名）を設定してください。", id="api.E002"))
    return errors
