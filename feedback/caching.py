"""HTTP caching of the public pages: validators from the published data, and who may cache.

Anonymous readers get ``ETag`` and ``Last-Modified`` derived from
``selectors.public_change_stamp()``, so a repeat visit is a ``304 Not Modified`` until something
public changes, and ``Cache-Control: public, max-age=60`` with ``Vary: Cookie``. A logged-in
staff member's response is never stored by a shared cache: ``Cache-Control: private, no-store``
and no validators.

A page an anonymous reader asks for is also kept in this process's memory, keyed by the change
stamp and the URL: the next reader of the same URL gets the same bytes without the page's
queries. The stamp is still read on every request (one cheap query), so the moment anything
public changes the key changes and the page is rendered afresh: no reader ever gets a page older
than the data, and nothing has to be invalidated by hand. Memory per worker is bounded
(``PAGE_CACHE_ENTRIES`` pages of at most ``PAGE_CACHE_MAX_BYTES``).
"""

import hashlib
from functools import wraps

from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.views.decorators.http import condition

from feedback import selectors

PUBLIC_MAX_AGE = 60
# Part of every ETag: bump it when a deployment changes how the same data is rendered.
RENDERING_VERSION = "1"
PAGE_CACHE_ENTRIES = 300
PAGE_CACHE_MAX_BYTES = 512 * 1024
# In-process on purpose: the key holds the change stamp, so workers need not share anything.
_pages = LocMemCache(
    "feedback-public-pages",
    {"TIMEOUT": 10 * 60, "OPTIONS": {"MAX_ENTRIES": PAGE_CACHE_ENTRIES, "CULL_FREQUENCY": 3}},
)


def page_cache():
    return _pages


def _stamp(request):
    if not hasattr(request, "_public_change_stamp"):
        request._public_change_stamp = selectors.public_change_stamp()
    return request._public_change_stamp


def _etag(request, *args, **kwargs):
    _last_modified, fingerprint = _stamp(request)
    digest = hashlib.sha256(f"{RENDERING_VERSION}|{fingerprint}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def _last_modified(request, *args, **kwargs):
    return _stamp(request)[0]


def _page_key(request):
    _last_modified, fingerprint = _stamp(request)
    text = f"{RENDERING_VERSION}|{fingerprint}|{request.method}|{request.get_full_path()}"
    return "page:" + hashlib.sha256(text.encode()).hexdigest()


def _cacheable(response):
    return (
        response.status_code == 200
        and not response.streaming
        and response.get("Content-Type", "").startswith("text/html")
        and not response.has_header("Content-Disposition")
        and not response.cookies
    )


def _from_page_cache(view):
    """The anonymous page from memory when the stamp and URL match, else rendered and kept."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or _stamp(request)[0] is None:
            return view(request, *args, **kwargs)
        key = _page_key(request)
        cached = _pages.get(key)
        if cached is not None:
            content, content_type = cached
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if hasattr(response, "render"):
            response.render()
        if _cacheable(response) and len(response.content) <= PAGE_CACHE_MAX_BYTES:
            _pages.set(key, (response.content, response["Content-Type"]))
        return response

    return wrapper


def public_page(view):
    """Conditional GET, cache headers and the page cache for a public, read-only view."""
    conditional = condition(etag_func=_etag, last_modified_func=_last_modified)(
        _from_page_cache(view)
    )

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        else:
            response = conditional(request, *args, **kwargs)
            if response.status_code in (200, 304):
                patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        patch_vary_headers(response, ["Cookie"])
        return response

    return wrapper
