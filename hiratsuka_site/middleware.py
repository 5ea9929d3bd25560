"""Session lifetime, the request context of the audit log, the site's error pages in debug mode."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import Http404
from django.views import defaults

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


class ErrorPageMiddleware:
    """The site's own 400, 404 and 500 pages in debug mode too (``make run``).

    With ``DEBUG`` off Django renders templates/404.html and the others itself. With it on,
    Django answers an unknown URL with a page listing every URL pattern and an exception with
    its traceback and settings: this puts the site's pages in their place, so a visitor to a
    debug server sees what production shows. The details stay in the console, where Django has
    already logged them ("Not Found: …", "Internal Server Error: …" with the traceback).

    Only Django's debug pages are replaced: a 404 for a URL that matched no pattern, and the
    response to an exception a view raised (``process_exception`` notes it; Django then logs
    it and builds its page). A response a view returns itself (a 400 with its own message)
    is left as it is, as in production.
    """

    PAGES = {
        400: lambda request: defaults.bad_request(request, None),
        404: lambda request: defaults.page_not_found(request, Http404()),
        500: defaults.server_error,
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not settings.DEBUG or response.status_code not in self.PAGES:
            return response
        unmatched_url = response.status_code == 404 and request.resolver_match is None
        if unmatched_url or getattr(request, "_view_raised", False):
            page = self.PAGES[response.status_code](request)
            # The page goes into Django's response rather than replacing it: Django has logged
            # that one (a new one would be logged a second time, without the traceback).
            response.content = page.content
            response["Content-Type"] = page["Content-Type"]
        return response

    def process_exception(self, request, exception):
        request._view_raised = True
