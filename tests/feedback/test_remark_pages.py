"""The remark lists (search, member, policy item, meeting, committee pages) a page at a time, by
seeking: newest meeting first, then committee name, then No.; links carry the place."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback.services import report_publish
from tests.factories import (
    CommitteeFactory,
    MeetingFactory,
    PolicyItemFactory,
    answered_comment,
    report_with_comments,
)
from tests.html import body_texts

pytestmark = pytest.mark.django_db


@pytest.fixture
def item_remarks():
    """45 published remarks on one policy item: 10 at 会議A (2020 第1回, committee 「あ」),
    10 at 会議B (2020 第1回, committee 「い」), 25 at 会議C (2021 第1回, committee 「あ」)."""
    a, i = CommitteeFactory(name="あ審議会"), CommitteeFactory(name="い審議会")
    item = PolicyItemFactory()
    meetings = {
        # Made in an order other than the shown one, so creation order cannot pass for it.
        "B": MeetingFactory(committee=i, fiscal_year=2020, number=1),
        "C": MeetingFactory(committee=a, fiscal_year=2021, number=1),
        "A": MeetingFactory(committee=a, fiscal_year=2020, number=1),
    }
    sizes = {"B": 10, "C": 25, "A": 10}
    comments = [
        answered_comment(
            meeting=meetings[name], number=number, policy_item=item, body=f"{name}の{number}"
        )
        for name in sizes
        for number in range(sizes[name], 0, -1)
    ]
    report_publish(report=report_with_comments(comments))
    return item, meetings


SHOWN = [f"Cの{n}" for n in range(1, 26)] + [f"Aの{n}" for n in range(1, 11)]
SHOWN += [f"Bの{n}" for n in range(1, 11)]


def bodies(html):
    return [row[4] for row in body_texts(html)]


def links(html):
    """The page links: ``{label: query string}``."""
    return dict(
        (label, href.replace("&amp;", "&"))
        for href, label in re.findall(r'<a href="\?([^"]*)"(?: rel="\w+")?>([^<]+)</a>', html)
        if label.endswith("のページ")
    )


def test_item_page_seeks_through_every_remark_in_order(client, item_remarks):
    item, _meetings = item_remarks
    url = reverse("feedback:policy-item-detail", args=[item.pk])

    first = client.get(url).content.decode()
    middle = client.get(f"{url}?{links(first)['次のページ']}").content.decode()
    last = client.get(f"{url}?{links(middle)['次のページ']}").content.decode()

    assert bodies(first) == SHOWN[:20]
    assert bodies(middle) == SHOWN[20:40]
    assert bodies(last) == SHOWN[40:]
    for page in (first, middle, last):
        assert "公開されている意見 45件" in page
    pk_of = {c.body: c.pk for c in item.comments.all()}
    assert links(first) == {"次のページ": f"after={pk_of['Cの20']}", "最後のページ": "page=last"}
    assert links(middle) == {
        "最初のページ": "",
        "前のページ": f"before={pk_of['Cの21']}",
        "次のページ": f"after={pk_of['Bの5']}",
        "最後のページ": "page=last",
    }
    assert links(last) == {"最初のページ": "", "前のページ": f"before={pk_of['Bの6']}"}
    back = client.get(f"{url}?{links(last)['前のページ']}").content.decode()
    assert bodies(back) == SHOWN[20:40]
    assert bodies(client.get(f"{url}?page=last").content.decode()) == SHOWN[25:]


def test_committee_and_meeting_pages_keep_their_remarks_only(client, item_remarks):
    _item, meetings = item_remarks
    committee = meetings["A"].committee
    committee_page = client.get(reverse("feedback:committee-detail", args=[committee.pk]))
    meeting_page = client.get(reverse("feedback:meeting-detail", args=[meetings["B"].pk]))

    assert bodies(committee_page.content.decode()) == SHOWN[:20]
    assert "公開されている意見 35件" in committee_page.content.decode()
    assert bodies(meeting_page.content.decode()) == SHOWN[35:]
    assert "公開されている意見 10件" in meeting_page.content.decode()
    assert 'rel="next"' not in meeting_page.content.decode()


def test_search_keeps_the_filter_in_its_page_links(client, item_remarks):
    item, _meetings = item_remarks
    url = reverse("feedback:comment-search")

    first = client.get(url, {"item": item.pk, "q": "A"}).content.decode()

    assert bodies(first) == SHOWN[25:35]
    assert "「A」の検索結果: 10件" in first
    assert links(first) == {}
    page = client.get(url, {"item": item.pk}).content.decode()
    after = links(page)["次のページ"]
    assert after.startswith(f"item={item.pk}&after=")
    assert bodies(client.get(f"{url}?{after}").content.decode()) == SHOWN[20:40]


def test_a_page_past_the_end_is_the_last_and_an_absurd_one_is_404(client, item_remarks):
    item, _meetings = item_remarks
    url = reverse("feedback:policy-item-detail", args=[item.pk])

    assert bodies(client.get(f"{url}?page=9").content.decode()) == SHOWN[25:]
    assert bodies(client.get(f"{url}?after=999999999").content.decode()) == SHOWN[:20]
    assert bodies(client.get(f"{url}?after=x").content.decode()) == SHOWN[:20]
    assert client.get(f"{url}?page=2000000").status_code == 404
    assert client.get(f"{reverse('feedback:comment-search')}?page=2000000").status_code == 404


def test_a_link_beyond_either_end_gives_the_last_page_even_with_page_last(client, item_remarks):
    item, _meetings = item_remarks
    url = reverse("feedback:policy-item-detail", args=[item.pk])
    pk_of = {c.body: c.pk for c in item.comments.all()}

    for query in (
        f"before={pk_of['Cの1']}",
        f"after={pk_of['Bの10']}",
        f"page=last&before={pk_of['Cの1']}",
        f"page=last&after={pk_of['Bの10']}",
    ):
        page = client.get(f"{url}?{query}").content.decode()
        assert bodies(page) == SHOWN[25:], query
        assert links(page) == {"最初のページ": "", "前のページ": f"before={pk_of['Aの1']}"}, query


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_first_middle_and_last_pages_cost_the_same_queries(client, item_remarks):
    item, _meetings = item_remarks
    item_url = reverse("feedback:policy-item-detail", args=[item.pk])
    search_url = reverse("feedback:comment-search")
    pk = item.comments.get(body="Aの5").pk

    # The change stamp, the item, the count (first page only: then kept for this stamp), the
    # remark a link names (middle pages), the rows, their follow-ups, the policy page's link.
    assert count_queries(client, item_url) == 6
    assert count_queries(client, f"{item_url}?after={pk}") == 6
    assert count_queries(client, f"{item_url}?before={pk}") == 6
    assert count_queries(client, f"{item_url}?page=last") == 5
    # The search: stamp, categories, members and policy items of the filter form, and the same.
    assert count_queries(client, search_url) == 7
    assert count_queries(client, f"{search_url}?after={pk}") == 7
    assert count_queries(client, f"{search_url}?page=last") == 6
