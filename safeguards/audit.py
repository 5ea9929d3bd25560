"""The audit log: logins, lockouts, publications, imports and refusals, with who, where, when.

Other modules log events to the same logger, one call per event::

    audit = logging.getLogger("audit")
    audit.info("report publish: %s (pk=%s)", report, report.pk, extra={"user": by})

``extra`` may give ``user`` (a user object or a name), ``ip`` and ``path``; whatever it leaves out
is taken from the request being handled (``AuditContextMiddleware``), or shown as ``-``.
The handler escapes control characters (``safeguards.logfilters``), so a value such as a
username with CR/LF stays on its line. The receivers for logins and lockouts are in
``safeguards.signals``; refusals are logged by ``safeguards.errors.permission_denied``.

This module imports no models: the logging configuration loads it before the apps are ready.
"""

import contextvars
import logging

from safeguards.proxies import client_ip

audit = logging.getLogger("audit")

CONTEXT_FIELDS = ("user", "ip", "path")

_current_request = contextvars.ContextVar("audit_request", default=None)


def set_request(request):
    """Make ``request`` the source of user, address and path; returns a token for ``reset``."""
    return _current_request.set(request)


def reset(token):
    _current_request.reset(token)


def request_context():
    request = _current_request.get()
    if request is None:
        return {}
    user = getattr(request, "user", None)
    return {
        "user": user if user is not None and user.is_authenticated else None,
        "ip": client_ip(request),
        "path": request.path,
    }


def request_fields(request, user=None):
    """``extra`` for an event about ``request``: its address and path, and ``user``."""
    if request is None:
        return {"user": user}
    return {"user": user, "ip": client_ip(request), "path": request.path}


def describe(name, value):
    if value is None or value == "":
        return "-"
    if name == "user" and hasattr(value, "get_username"):
        return value.get_username() if value.is_authenticated else "-"
    return str(value)


class AuditContextMiddleware:
    """Let audit lines written while handling a request name its user, address and path."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_request(request)
        try:
            return self.get_response(request)
        finally:
            reset(token)
