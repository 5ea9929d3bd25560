import io
import logging

import pytest


@pytest.fixture
def audit_lines():
    """The audit log as the configured handler writes it: a function returning its lines."""
    logger = logging.getLogger("audit")
    configured = logger.handlers[0]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(configured.formatter)
    for log_filter in configured.filters:
        handler.addFilter(log_filter)
    logger.addHandler(handler)
    yield lambda: stream.getvalue().splitlines()
    logger.removeHandler(handler)
