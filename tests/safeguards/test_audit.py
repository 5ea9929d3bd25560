"""Publications and refusals reach the audit log with user, address, path and time."""

import re

from django.contrib.auth import get_user_model

from feedback import permissions
from feedback.services import report_publish, report_unpublish
from tests.factories import answered_comment, report_with_comments, staff_user
from tests.feedback.admin_forms import hidden_form_data

TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0900"


def test_publish_and_unpublish_are_logged_with_the_user(db, audit_lines):
    approver = staff_user(permissions.APPROVER, username="shonin")
    report = report_with_comments([answered_comment()])
    report_publish(report=report, by=approver)
    report_unpublish(report=report, by=approver)
    lines = audit_lines()
    assert len(lines) == 2
    assert re.fullmatch(
        TIME + rf" INFO audit report publish: .* \(pk={report.pk}\) user=shonin ip=- path=-",
        lines[0],
    )
    assert re.fullmatch(
        TIME + rf" INFO audit report unpublish: .* \(pk={report.pk}\) user=shonin ip=- path=-",
        lines[1],
    )


def test_publish_through_the_admin_logs_the_address(client, db, audit_lines):
    approver = staff_user(permissions.APPROVER, username="shonin")
    report = report_with_comments([answered_comment()])
    client.force_login(approver)
    url = f"/admin/feedback/report/{report.pk}/publish/"
    client.post(url, hidden_form_data(client.get(url)), REMOTE_ADDR="203.0.113.5")
    assert any(
        f"report publish: {report} (pk={report.pk}) user=shonin ip=203.0.113.5 "
        f"path=/admin/feedback/report/{report.pk}/publish/" in line
        for line in audit_lines()
    )


def test_permission_refusal_is_logged(client, db, audit_lines):
    editor = staff_user(permissions.EDITOR, username="henshu")
    report = report_with_comments([answered_comment()])
    client.force_login(editor)
    response = client.post(
        f"/admin/feedback/report/{report.pk}/publish/", REMOTE_ADDR="203.0.113.6"
    )
    assert response.status_code == 403
    assert "このページにはアクセスできません（403）" in response.content.decode()
    assert any(
        re.fullmatch(
            TIME + " WARNING audit permission denied user=henshu ip=203.0.113.6 "
            f"path=/admin/feedback/report/{report.pk}/publish/",
            line,
        )
        for line in audit_lines()
    )


def test_logout_is_logged(client, db, audit_lines):
    user = get_user_model().objects.create_user("kanri", is_staff=True)
    client.force_login(user)
    client.post("/admin/logout/", REMOTE_ADDR="203.0.113.7")
    assert any(
        "INFO audit logout user=kanri ip=203.0.113.7 path=/admin/logout/" in line
        for line in audit_lines()
    )
