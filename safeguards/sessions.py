"""The staff session's age: 30 idle minutes, and 12 hours after login however active.

The whole rule is here: the session keys it keeps, the login time set by ``session_started``
(called from the login receiver in ``safeguards.signals``) and the middleware that renews and
ends sessions. The limits themselves are settings: ``SESSION_COOKIE_AGE``,
``SESSION_RENEW_AFTER`` and ``SESSION_ABSOLUTE_AGE``.
"""

import time

from django.conf import settings
from django.contrib.auth import logout

from safeguards.audit import audit

# Session keys of the login time, for the absolute limit, and of the last renewal, for the
# idle limit.
LOGIN_AT_SESSION_KEY = "hiratsuka_login_at"
RENEWED_AT_SESSION_KEY = "hiratsuka_renewed_at"


def session_started(session):
    """Mark ``session`` as logged in now; the login saves the session, so it is a renewal too."""
    now = time.time()
    session[LOGIN_AT_SESSION_KEY] = now
    session[RENEWED_AT_SESSION_KEY] = now


class SessionLifetimeMiddleware:
    """Renew a staff session while it is used; end it 12 hours after login, however active.

    The idle limit is the cookie's and the row's age (``SESSION_COOKIE_AGE``, 30 minutes from
    the last renewal). A request renews them only when the last renewal is at least
    ``SESSION_RENEW_AFTER`` seconds old, so most requests write nothing (the renewal time is in
    the session; marking the session modified makes ``SessionMiddleware`` save the row and send
    the cookie). The absolute limit counts from the login time that ``session_started``
    stores, or, for a session that has none (one made before this rule), from the first request
    that finds it missing. ``logout`` deletes the session on the server, not only the cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            session = request.session
            logged_in_at = session.get(LOGIN_AT_SESSION_KEY)
            now = time.time()
            if logged_in_at is None:
                session[LOGIN_AT_SESSION_KEY] = now
            elif now - logged_in_at > settings.SESSION_ABSOLUTE_AGE:
                audit.info(
                    "session expired after %s hours",
                    settings.SESSION_ABSOLUTE_AGE // 3600,
                    extra={"user": request.user},
                )
                logout(request)
                return self.get_response(request)
            renewed_at = session.get(RENEWED_AT_SESSION_KEY)
            if renewed_at is None or now - renewed_at >= settings.SESSION_RENEW_AFTER:
                session[RENEWED_AT_SESSION_KEY] = now
        return self.get_response(request)
