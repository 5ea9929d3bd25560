"""HTTP caching of the public pages: validators from the change signal, and the page cache.

Anonymous readers get ``ETag`` and ``Last-Modified`` derived from ``publication.stamp``, so a
repeat visit is a ``304 Not Modified`` until something public changes, and
``Cache-Control: public, max-age=60`` with ``Vary: Cookie``. A logged-in staff member's
response is never stored: ``Cache-Control: private, no-store`` and no validators.

A page (or download) an anonymous reader gets is also kept in the page cache (``PageCache``:
this process's memory, then a cache every worker and server shares), keyed by the stamp's
counter and the URL: the next reader of the same URL, on any worker, gets the same bytes
without the page's queries, from
``PublicPageCacheMiddleware`` before sessions, authentication and URL resolution. When anything
public changes the counter moves and the page is rendered afresh; nothing is invalidated by
hand. Only a response the view rendered with status 200 is kept or answered with 304, so a
URL that does not exist is never a 304 (the view resolves its object first).
"""

import functools
import hashlib
import logging
import sys
from functools import wraps
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import http_date, parse_http_date_safe

from publication import stamp

PUBLIC_MAX_AGE = 60
# What renders a page, besides the data: the project's apps (code, templates, translations)
# and the folders of templates, translations and static files the settings name.
RENDERING_SUFFIXES = {".py", ".html", ".txt", ".xml", ".mo", ".css", ".js", ".svg", ".json"}
PAGE_CACHE_MAX_BYTES = 512 * 1024
CACHED_HEADERS = ("Content-Type", "Content-Disposition")

logger = logging.getLogger(__name__)


class PageCache:
    """The ``pages`` cache of this process in front of the ``shared_pages`` one (settings
    ``CACHES``): read here first, then where the other workers and servers put what they
    rendered; written to both. The shared cache only saves work: when it cannot be reached the
    page is rendered as if it held nothing, and the failure is logged."""

    def __init__(self, local, shared_alias):
        self.local = local
        self.shared_alias = shared_alias

    @property
    def shared(self):
        # Looked up only on a miss here: a page this process holds costs one look-up.
        return caches[self.shared_alias]

    def get(self, key):
        value = self.local.get(key)
        if value is None:
            value = self._shared("get", key)
            if value is not None:
                self.local.set(key, value)
        return value

    def set(self, key, value):
        self.local.set(key, value)
        self._shared("set", key, value)

    def clear(self):
        self.local.clear()
        self._shared("clear")

    def _shared(self, method, *args):
        try:
            return getattr(self.shared, method)(*args)
        except Exception:  # any backend's failure: Redis away, a full disk, …
            logger.warning("shared page cache: %s failed", method, exc_info=True)
            return None


def page_cache():
    """The rendered pages and what lists keep per change signal (``PageCache``)."""
    return PageCache(caches["pages"], "shared_pages")


def request_stamp(request):
    """The stamp, read once per request."""
    if not hasattr(request, "_public_stamp"):
        request._public_stamp = stamp.current()
    return request._public_stamp


@functools.cache
def rendering_version():
    """A fingerprint of the files that render the pages (``RENDERING_SUFFIXES`` in the project's
    apps and the settings' template, locale and static folders, and the pinned libraries of
    requirements.txt), read once per process: a deployment that changes them changes every
    ETag and cache key, so no reader and no worker of the new code is given a page the old
    code rendered (the shared cache outlives a restart), and servers of the old and the new
    code never share pages."""
    base = Path(settings.BASE_DIR)
    installed = Path(sys.prefix)  # the libraries: their pinned versions are in requirements.txt
    folders = [
        path
        for path in (Path(config.path) for config in apps.get_app_configs())
        if path.is_relative_to(base) and not path.is_relative_to(installed)
    ]
    folders += [Path(folder) for template in settings.TEMPLATES for folder in template["DIRS"]]
    folders += [Path(folder) for folder in [*settings.LOCALE_PATHS, *settings.STATICFILES_DIRS]]
    # Named within their folder, so that checkouts at other paths agree.
    files = {
        (f"{folder.name}/{path.relative_to(folder)}", path)
        for folder in folders
        for path in folder.rglob("*")
        if path.suffix in RENDERING_SUFFIXES and "__pycache__" not in path.parts
    }
    files |= {(path.name, path) for path in [base / "requirements.txt"] if path.exists()}
    digest = hashlib.sha256()
    for name, path in sorted(files):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _version(current):
    """The data version: the counter with its time, so a database restored from a backup (an
    older counter again) cannot meet pages rendered from the newer data; and the code's."""
    changed_at = current.changed_at.isoformat() if current.changed_at else "-"
    return f"{rendering_version()}|{current.counter}|{changed_at}"


def etag(current):
    return '"' + hashlib.sha256(_version(current).encode()).hexdigest()[:32] + '"'


def _page_key(request, current):
    text = f"{_version(current)}|{request.method}|{request.get_full_path()}"
    return "page:" + hashlib.sha256(text.encode()).hexdigest()


def _is_anonymous_read(request):
    """A GET or HEAD from someone without a session (or a pending message) to respect."""
    return request.method in ("GET", "HEAD") and not (
        settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES
    )


def _validators(response, current):
    response["ETag"] = etag(current)
    if current.changed_at is not None:
        response["Last-Modified"] = http_date(current.changed_at.timestamp())
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    patch_vary_headers(response, ["Cookie"])


def _conditional(request, response):
    """304 when the reader already has this version of a 200 page."""
    last_modified = response.get("Last-Modified")
    answer = get_conditional_response(
        request,
        etag=response.get("ETag"),
        last_modified=parse_http_date_safe(last_modified) if last_modified else None,
        response=response,
    )
    return keep_cors(response, answer)


def keep_cors(response, answer):
    """``answer`` (a 304 made for ``response``) with ``response``'s CORS headers.

    Django's 304 keeps only the caching headers; without ``Access-Control-Allow-Origin`` a
    script on another site that revalidates a dataset gets a CORS error instead of "not
    modified".
    """
    if answer is not response:
        for name, value in response.items():
            if name.lower().startswith("access-control-"):
                answer[name] = value
    return answer


def _cacheable(response):
    return (
        getattr(response, "public_page", False)
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and len(response.content) <= PAGE_CACHE_MAX_BYTES
    )


def _store(key, response):
    headers = {
        name: value
        for name, value in response.items()
        if name.lower() not in ("content-length", "date", "set-cookie")
    }
    page_cache().set(key, (response.content, headers))


def _from_cache(key):
    entry = page_cache().get(key)
    if entry is None:
        return None
    content, headers = entry
    response = HttpResponse(content)
    for name, value in headers.items():
        response[name] = value
    return response


def public_page(view):
    """Mark a public, read-only view's responses: validators and shared-cache headers for
    anonymous readers (kept and answered by ``PublicPageCacheMiddleware``), ``no-store`` for
    staff."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response.render()
        if request.user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        elif request.method in ("GET", "HEAD") and response.status_code == 200:
            _validators(response, request_stamp(request))
            response.public_page = True
        patch_vary_headers(response, ["Cookie"])
        return response

    return wrapper


class PublicPageCacheMiddleware:
    """Answer an anonymous reader from the page cache before the rest of the stack runs.

    Placed right after WhiteNoise: a cached page costs what a static file costs plus one look-up
    of the stamp (held in memory for up to ``PUBLIC_STAMP_TTL``) and one of the page. Anything
    not in the cache goes on to the view, which resolves the URL and its object first; a 200
    from a ``public_page`` view is kept with the headers the inner middleware gave it, and a
    reader who has that version already gets 304.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _is_anonymous_read(request):
            return self.get_response(request)
        key = _page_key(request, request_stamp(request))
        response = _from_cache(key)
        if response is None:
            response = self.get_response(request)
            if _cacheable(response):
                _store(key, response)
        if getattr(response, "public_page", False) or response.has_header("ETag"):
            return _conditional(request, response)
        return response
