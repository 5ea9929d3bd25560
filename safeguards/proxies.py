"""The client's address, as the login lockout and the audit log see it."""

from django.conf import settings


def client_ip(request):
    """The address of the client, not of the reverse proxy in front of the app server.

    With ``PROXY_COUNT = n`` (``DJANGO_PROXY_COUNT``), the n-th address from the right of
    ``X-Forwarded-For`` is taken: the one the nearest trusted proxy saw. Addresses further left
    were written by the client and can be forged, so they are never used. Without proxies, the
    peer address.
    """
    count = settings.PROXY_COUNT
    if count > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")
