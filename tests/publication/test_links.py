"""publication.links: a record's page URL from one reverse() per URL name, the same as reverse()
gives under any script prefix, and the links the pages print with it."""

import pytest
from django.urls import get_script_prefix, reverse, set_script_prefix

from publication.cache import page_cache
from tests.factories import published_report

pytestmark = pytest.mark.django_db


def test_every_public_record_links_where_reverse_says():
    report = published_report(count=1)
    comment = report.comments.select_related("meeting__committee", "member", "policy_item").get()
    records = {
        "report": report,
        "comment": comment,
        "meeting": comment.meeting,
        "committee": comment.meeting.committee,
        "member": comment.member,
        "policy-item": comment.policy_item,
    }

    for name, record in records.items():
        expected = reverse(f"feedback:{name}-detail", kwargs={"pk": record.pk})
        assert record.get_absolute_url() == expected
        assert expected.endswith(f"/{record.pk}/")


def test_links_follow_the_script_prefix_of_the_request(client):
    """A site served under a path (SCRIPT_NAME, which Django's WSGI handler makes the script
    prefix of the request; the test client does not, so the test sets it) links its records
    under it, and the same process, asked without one, links them at the root again."""
    report = published_report(count=1)
    comment = report.comments.select_related("member").get()
    at_root = comment.get_absolute_url()
    member_at_root = comment.member.get_absolute_url()
    path = report.get_absolute_url()  # the path the site sees, below the prefix
    page_cache().clear()
    prefix = get_script_prefix()
    set_script_prefix("/city/")
    try:
        page = client.get(path).content.decode()
    finally:
        set_script_prefix(prefix)

    assert f'<a href="/city{at_root}" aria-label="No.{comment.number} の詳細">' in page
    assert f'<a href="/city{member_at_root}">' in page
    assert comment.get_absolute_url() == at_root == f"/comments/{comment.pk}/"
