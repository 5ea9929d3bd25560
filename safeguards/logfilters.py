"""Logging filters: one event is one line, and audit lines say who, from where, on which path."""

import copy
import logging

from safeguards import audit


def escape_controls(text):
    """``text`` with control and line-separator characters written as escapes (``\\n``, …).

    A backslash is doubled first, so an escape in the output always came from this function.
    """
    text = str(text).replace("\\", "\\\\")
    if text.isprintable():
        return text
    # Not printable: C* (controls, format characters such as U+202E) and Z* but the space,
    # which covers CR, LF, NEL (U+0085) and the line and paragraph separators.
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


class EscapingFormatter(logging.Formatter):
    """Escape CR, LF and other control characters in the message, its arguments and extras.

    The message is formatted first (``getMessage``), so a value given as an argument cannot
    start a new line either. It works on a copy: the record other handlers see is unchanged.
    Tracebacks, added after the message, stay multi-line.
    """

    def format(self, record):
        record = copy.copy(record)
        record.msg = escape_controls(record.getMessage())
        record.args = None
        for name in audit.CONTEXT_FIELDS:
            if hasattr(record, name):
                setattr(record, name, escape_controls(getattr(record, name)))
        return super().format(record)


class AuditContext(logging.Filter):
    """Fill ``user``, ``ip`` and ``path`` from the current request unless the call gave them."""

    def filter(self, record):
        context = audit.request_context()
        for name in audit.CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is None or value == "":
                value = context.get(name)
            setattr(record, name, audit.describe(name, value))
        return True
