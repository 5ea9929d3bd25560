"""No draft reaches an anonymous visitor by any link, search, download or cached page; markup in
any text field stays text everywhere."""

import pytest
from django.core.exceptions import ValidationError

from feedback import review
from feedback.models import Comment
from feedback.permissions import EDITOR
from feedback.services import change_request_save, record_propose
from policy.models import Policy
from tests.crawl import body_text, crawl
from tests.factories import (
    published_report,
    staff_user,
)
from tests.helpers import MARKER
from tests.responses import close_quietly


def searches(public):
    urls = [f"/comments/?q={MARKER}", f"{public.get_absolute_url()}?q={MARKER}", "/feeds/"]
    for fmt in ("csv", "json", "xlsx"):
        urls += [
            f"/comments/download.{fmt}",
            f"/comments/download.{fmt}?q={MARKER}",
            f"/reports/{public.pk}/download.{fmt}?q={MARKER}",
        ]
    return urls


def without_echoed_query(url, text):
    """A search for MARKER shows the search box filled in and keeps it in its links: that is
    the visitor's own text, not a draft's."""
    if MARKER not in url:
        return text
    for echo in (f'value="{MARKER}"', f"q={MARKER}"):
        text = text.replace(echo, "")
    return text


def assert_no_leak(pages):
    for url, (status, text, headers) in pages.items():
        assert MARKER not in without_echoed_query(url, text), url
        assert MARKER not in headers, url
        assert status in {200, 400}, url


def test_anonymous_crawl_finds_no_draft(client, drafts):
    pages = crawl(client, ["/", *searches(drafts["public"])])
    assert len(pages) > 20
    assert any(url.startswith("/policies/") for url in pages)  # the published version's page
    assert drafts["public"].get_absolute_url() in pages
    # Every public page links its Atom feed; the crawl read them all.
    feeds = [url for url in pages if url == "/feeds/" or url.endswith("/feed/")]
    assert len(feeds) > 5
    assert all(pages[url][2].count("application/atom+xml") == 1 for url in feeds)
    assert f"/reports/{drafts['public'].pk}/presented/" in pages
    assert_no_leak(pages)
    for url in drafts["draft_urls"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert MARKER not in body_text(response)


def test_no_draft_after_staff_viewed_the_same_pages(client, drafts):
    anonymous = crawl(client, ["/", *searches(drafts["public"])])
    staff = client.__class__()
    staff.force_login(staff_user(username="shokuin"))
    for url in [*anonymous, *drafts["draft_urls"]]:
        close_quietly(staff.get(url))
    # An anonymous visitor with validators from before, and one without.
    again = crawl(client.__class__(), ["/", *searches(drafts["public"])])
    assert set(again) == set(anonymous)
    assert_no_leak(again)
    for url in drafts["draft_urls"]:
        assert client.get(url).status_code == 404, url


PAYLOADS = ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>', "javascript:alert(1)"]


def test_markup_in_every_text_field_is_inert(client, db):
    script = PAYLOADS[0]
    payload = " ".join(PAYLOADS)
    report = published_report(
        count=1,
        title=payload[:150],
        remarks_heading=payload,
        response_heading=payload,
    )
    comment = report.entries.get().comment
    comment.body = payload
    comment.save()
    comment.response.body = payload
    comment.response.save()
    follow_up = comment.follow_ups.get()
    follow_up.body = payload
    follow_up.save()
    comment.member.name = payload[:100]
    comment.member.save()
    comment.policy_item.heading = payload
    comment.policy_item.save()
    committee = comment.meeting.committee
    committee.description = payload
    committee.save()

    admin = client.__class__()
    admin.force_login(staff_user(username="kanri"))
    admin_user = admin.session["_auth_user_id"]
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(pk=admin_user).update(is_superuser=True)
    pages = crawl(client, ["/"])
    pages.update(
        {
            url: (response.status_code, body_text(response), "")
            for url in [
                f"/admin/feedback/comment/{comment.pk}/change/",
                f"/admin/feedback/report/{report.pk}/change/",
                "/admin/feedback/comment/",
                f"/admin/feedback/comment/{comment.pk}/history/",
                f"/admin/feedback/member/{comment.member.pk}/change/",
            ]
            for response in [admin.get(url)]
        }
    )
    # Files (the downloads, the open-data CSV datasets) are attachments: checked below.
    html_pages = [
        url for url, (_status, _text, headers) in pages.items() if "attachment;" not in headers
    ]
    assert len(html_pages) > 10
    for url in html_pages:
        status, text, _headers = pages[url]
        assert status == 200, url
        assert script not in text, url
        assert "<img src=x" not in text, url
        assert 'href="javascript:' not in text, url
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in pages[comment.get_absolute_url()][1]
    )
    # Downloads are attachments that no browser renders or sniffs as HTML.
    downloads = [f"/reports/{report.pk}/download.{fmt}" for fmt in ("csv", "json", "xlsx")]
    assert "/api/v1/datasets/remarks.csv" in pages
    for url in [*downloads, "/api/v1/datasets/remarks.csv"]:
        response = client.get(url)
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert not response["Content-Type"].startswith("text/html")


def test_javascript_url_is_refused_for_a_policy(db):
    policy = Policy(title="方針", url="javascript:alert(1)")
    with pytest.raises(ValidationError) as error:
        policy.full_clean()
    assert "url" in error.value.message_dict


def test_pending_changes_reach_no_public_page_or_feed(client, drafts):
    """Issue 11: a 変更案 to a published remark or a public name stays off every public page,
    feed and download until an approver approves it (the crawl reads them all)."""
    editor = staff_user(EDITOR, username="henshu")
    published = Comment.objects.published().first()
    proposed = review.comment_state(published)
    proposed["response"] = f"{MARKER}承認前の考え方"
    proposed["follow_ups"].append({"id": None, "recorded_on": None, "body": f"{MARKER}承認前"})
    change_request_save(comment=published, proposed=proposed, by=editor)
    renamed = {**review.record_state(published.member), "name": f"{MARKER}承認前の氏名"}
    record_propose(obj=published.member, proposed=renamed, by=editor)

    pages = crawl(client, ["/", *searches(drafts["public"])])

    assert published.get_absolute_url() in pages
    assert published.member.get_absolute_url() in pages
    assert_no_leak(pages)
