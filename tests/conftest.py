import pytest
from django.core.management import call_command


@pytest.fixture
def shiryo2(db):
    """資料2 loaded and published the way `make run` does it."""
    from feedback.models import Report

    call_command("load_report_fixture", verbosity=0)
    return Report.objects.get(label="資料2")
