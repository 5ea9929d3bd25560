"""Session lifetime and the request context of the audit log."""

import time

from django.conf import settings
from django.contrib.auth import logout

from hiratsuka_site import audit


class SessionLifetimeMiddleware:
    """End a staff session 12 hours (``SESSION_ABSOLUTE_AGE``) after login, however active.

    The idle limit is the cookie's age, renewed on each request (``SESSION_SAVE_EVERY_REQUEST``);
    this adds the absolute one from the login time that ``audit.log_login`` stores in the
    session. ``logout`` deletes the session on the server, not only the cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            logged_in_at = request.session.get(audit.LOGIN_AT_SESSION_KEY)
            now = time.time()
            if logged_in_at is None:
                request.session[audit.LOGIN_AT_SESSION_KEY] = now
            elif now - logged_in_at > settings.SESSION_ABSOLUTE_AGE:
                audit.audit.info(
                    "session expired after %s hours",
                    settings.SESSION_ABSOLUTE_AGE // 3600,
                    extra={"user": request.user},
                )
                logout(request)
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
