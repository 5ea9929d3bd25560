"""Error pages (templates/400.html … 500.html, in Japanese) and the audit line for a refusal."""

from django.views import defaults

from hiratsuka_site.audit import audit, request_fields


def permission_denied(request, exception):
    """403: log who was refused what, then the page (Django's view, our template)."""
    audit.warning("permission denied", extra=request_fields(request, request.user))
    return defaults.permission_denied(request, exception)
