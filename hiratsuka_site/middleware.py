"""Session lifetime and the request context of the audit log."""

import time

from django.conf import settings
from django.contrib.auth import logout

from hiratsuka_site import audit


class SessionLifetimeMiddleware:
    """Renew a staff session while it is used; end it 12 hours after login, however active.

    The idle limit is the cookie's and the row's age (``SESSION_COOKIE_AGE``, 30 minutes from
    the last renewal). A request renews them only when the last renewal is at least
    ``SESSION_RENEW_AFTER`` seconds old, so most requests write nothing (the renewal time is in
    the session; marking the session modified makes ``SessionMiddleware`` save the row and send
    the cookie). The absolute limit counts from the login time that ``signals.log_login``
    stores. ``logout`` deletes the session on the server, not only the cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            session = request.session
            logged_in_at = session.get(audit.LOGIN_AT_SESSION_KEY)
            now = time.time()
            if logged_in_at is None:
                session[audit.LOGIN_AT_SESSION_KEY] = now
            elif now - logged_in_at > settings.SESSION_ABSOLUTE_AGE:
                audit.audit.info(
                    "session expired after %s hours",
                    settings.SESSION_ABSOLUTE_AGE // 3600,
                    extra={"user": request.user},
                )
                logout(request)
                return self.get_response(request)
            renewed_at = session.get(audit.RENEWED_AT_SESSION_KEY)
            if renewed_at is None or now - renewed_at >= settings.SESSION_RENEW_AFTER:
                session[audit.RENEWED_AT_SESSION_KEY] = now
        return self.get_response(request)


class AuditContextMiddleware:
    """Let audit lines written while handling a request name its user, address and path."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit.set_request(request)
        try:
            return self.get_response(request)
        finally:
            audit.reset(token)
