"""The error pages (templates/400.html … 500.html, in Japanese) in every mode, the audit line of
a refusal, and a 404 for history URLs whose ids are not numbers."""

from django.conf import settings
from django.http import Http404
from django.views import defaults

from safeguards.audit import audit, request_fields


def permission_denied(request, exception):
    """403: log who was refused what, then the page (Django's view, our template)."""
    audit.warning("permission denied", extra=request_fields(request, request.user))
    return defaults.permission_denied(request, exception)


def history_not_found(request):
    """404 for a history URL whose record or version id is not a number (see the root urls)."""
    raise Http404("no such record or version")


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
