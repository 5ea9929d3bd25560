"""HTTP caching of the public pages: validators from the published data, and who may cache.

Anonymous readers get ``ETag`` and ``Last-Modified`` derived from
``selectors.public_change_stamp()``, so a repeat visit is a ``304 Not Modified`` until something
public changes, and ``Cache-Control: public, max-age=60`` with ``Vary: Cookie``. A logged-in
staff member's response is never stored by a shared cache: ``Cache-Control: private, no-store``
and no validators.
"""

import hashlib
from functools import wraps

from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.views.decorators.http import condition

from feedback import selectors

PUBLIC_MAX_AGE = 60
# Part of every ETag: bump it when a deployment changes how the same data is rendered.
RENDERING_VERSION = "1"


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


def public_page(view):
    """Conditional GET and cache headers for a public, read-only view."""
    conditional = condition(etag_func=_etag, last_modified_func=_last_modified)(view)

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
