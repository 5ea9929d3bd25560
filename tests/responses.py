"""Helpers for responses the tests read by hand."""

from django.core.signals import request_finished
from django.db import close_old_connections


def close_quietly(response):
    """Close a response without Django's ``request_finished`` handler, as the test client does.

    That handler closes a database connection that is inside a transaction, which on
    PostgreSQL ends the test's own transaction. Closing matters for file responses
    (whitenoise, downloads): an unclosed file is a ResourceWarning, an error in this suite.
    """
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
