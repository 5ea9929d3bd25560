"""The public change signal: every write a public page could show raises it, in order of commit,
at a cost that does not grow with the data; cached pages follow it."""

import re
import threading

import pytest
from django.apps import apps
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback.models import (
    Comment,
    FollowUp,
    MeetingAbsence,
    MeetingAttendance,
    ReflectionCategory,
    Report,
    ReportSnapshot,
)
from feedback.services import report_confirm_presented, report_unpublish
from publication import cache, stamp
from publication.models import PublicState
from publication.signals import public_models
from tests.crawl import crawl
from tests.factories import CommentFactory, answered_comment, published_report
from tests.feedback.policy_example import worked_example

pytestmark = pytest.mark.django_db

# Tables the public pages may read that are not public data themselves. The feeds read the
# history of answers and follow-ups (one entry per change): a history row is written only by a
# save or delete of its record, which raises the signal itself.
NOT_PUBLIC_DATA = {
    "publication_publicstate",
    "django_session",
    "feedback_historicalcityresponse",
    "feedback_historicalfollowup",
    # Kept by feedback.summaries from remarks, answers and rows, in the transaction of the
    # write that changed them, which raises the signal itself (tests/feedback/test_summaries.py).
    "feedback_reportsummary",
    "feedback_publishedsummary",
}


def tables_read(sql_statements):
    names = set()
    for sql in sql_statements:
        names.update(re.findall(r'(?:FROM|JOIN)\s+"?([a-z_0-9]+)"?', sql, flags=re.IGNORECASE))
    return names


def test_every_table_a_public_page_reads_belongs_to_a_model_that_raises_the_signal(client, shiryo2):
    FollowUp.objects.create(comment=Comment.objects.get(number=1), body="公開後の対応")
    with CaptureQueriesContext(connection) as queries:
        pages = crawl(client, ["/", "/comments/?q=AI", "/members/", "/items/", "/meetings/"])
    assert len(pages) > 30
    by_table = {model._meta.db_table: model for model in apps.get_models()}
    read = {by_table[name] for name in tables_read(q["sql"] for q in queries) if name in by_table}
    read = {model for model in read if model._meta.db_table not in NOT_PUBLIC_DATA}
    # A history table (the open-data catalogue's update dates read them) is written only by a
    # save of its record, in the same transaction: the record's model stands for it.
    read = {getattr(model, "instance_type", model) for model in read}

    assert read - set(public_models()) == set()
    assert {model.__name__ for model in read} >= {
        "Comment",
        "CityResponse",
        "FollowUp",
        "Report",
        "ReportEntry",
        "Member",
        "Meeting",
        "Committee",
        "PolicyItem",
        "Policy",
        "ReflectionCategory",
    }


# ReportSnapshot is public but never changed after it is made: tested on its own below.
MUTABLE_PUBLIC_MODELS = [model for model in public_models() if model is not ReportSnapshot]


@pytest.mark.parametrize("model", MUTABLE_PUBLIC_MODELS, ids=lambda model: model.__name__)
def test_save_and_update_of_each_public_model_raise_the_signal(model, shiryo2):
    worked_example()  # 資料2's policy versions, published, and two answers linked to changes
    # 資料2 does not record who attended; say that the member of remark No.1 did, and the
    # member of remark No.3 did not.
    remark = Comment.objects.get(number=1)
    MeetingAttendance.objects.create(meeting=remark.meeting, member=remark.member)
    absent = Comment.objects.get(number=3).member
    MeetingAbsence.objects.create(meeting=remark.meeting, member=absent)
    instance = model._default_manager.order_by("pk").first()
    assert instance is not None, f"資料2 has no {model.__name__}"

    before = stamp.current().counter
    instance.save()
    after_save = stamp.current().counter
    same_key = {model._meta.pk.attname: instance.pk}
    model._default_manager.filter(pk=instance.pk).update(**same_key)
    after_update = stamp.current().counter

    assert (after_save, after_update) == (before + 1, before + 2)


def test_confirming_a_snapshot_raises_the_signal_once_and_a_snapshot_cannot_be_changed(shiryo2):
    before = stamp.current().counter

    snapshot = report_confirm_presented(report=shiryo2, by=None)

    assert stamp.current().counter == before + 1
    snapshot.title = "書き換え"
    with pytest.raises(ValidationError, match="確定した配布版は変更できません。"):
        snapshot.save()
    with pytest.raises(ValidationError, match="確定した配布版は変更できません。"):
        ReportSnapshot.objects.filter(pk=snapshot.pk).update(title="書き換え")
    with pytest.raises(ValidationError, match="確定した配布版は変更できません。"):
        ReportSnapshot.objects.bulk_update([snapshot], ["title"])
    assert ReportSnapshot.objects.get(pk=snapshot.pk).title == shiryo2.title
    assert stamp.current().counter == before + 1


def test_delete_and_bulk_create_of_public_rows_raise_the_signal(shiryo2):
    comment = Comment.objects.get(number=1)
    before = stamp.current().counter

    FollowUp.objects.bulk_create([FollowUp(comment=comment, body="一括で追加")])
    FollowUp.objects.get(body="一括で追加").delete()
    shiryo2.entries.get(comment=comment).delete()

    assert stamp.current().counter == before + 3


def test_draft_that_was_never_published_leaves_the_signal_alone():
    comment = answered_comment()
    before = stamp.current().counter

    comment.body = "下書きの修正"
    comment.save()
    comment.response.body = "下書きの市の考え方"
    comment.response.save()

    assert stamp.current().counter == before


def test_a_service_raises_the_signal_once_however_many_rows_it_writes(shiryo2):
    before = stamp.current().counter

    report_unpublish(report=shiryo2)

    assert stamp.current().counter == before + 1


def test_reading_the_signal_is_one_primary_key_lookup_whatever_the_drafts():
    for number in range(1, 51):
        CommentFactory(number=number)
    with CaptureQueriesContext(connection) as queries:
        stamp.current()

    assert len(queries) == 1
    sql = queries[0]["sql"].replace('"', "")
    assert "FROM publication_publicstate WHERE publication_publicstate.id = 1" in sql


def test_a_process_holds_the_signal_at_most_its_ttl_and_forgets_it_on_its_own_write(
    settings, monkeypatch
):
    settings.PUBLIC_STAMP_TTL = 1.0
    clock = [1000.0]
    monkeypatch.setattr(stamp.time, "monotonic", lambda: clock[0])
    stamp.forget()
    first = stamp.current()
    # Another server's write: the row moves without this process knowing.
    PublicState.objects.filter(pk=1).update(counter=first.counter + 10)

    clock[0] += 0.5
    assert stamp.current() == first
    clock[0] += 0.6
    assert stamp.current().counter == first.counter + 10

    stamp.changed()
    assert stamp.current().counter == first.counter + 11


def test_cached_page_costs_the_signal_alone_and_moves_with_it(client, shiryo2):
    url = shiryo2.get_absolute_url()
    first = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)

    assert len(queries) == 1
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]

    comment = Comment.objects.get(number=5)
    comment.body = "公開後に直した意見"
    comment.save()

    assert "公開後に直した意見" in client.get(url).content.decode()


def test_a_page_rendered_by_one_worker_is_served_by_another_from_the_shared_cache(client, shiryo2):
    url = shiryo2.get_absolute_url()
    first = client.get(url)
    # Another worker: nothing in its own memory, the shared cache as the first one left it.
    caches["pages"].clear()
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)

    assert len(queries) == 1  # the signal
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    # It keeps the page in its own memory from then on.
    caches["shared_pages"].clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).content == first.content
    assert len(queries) == 1

    comment = Comment.objects.get(number=5)
    comment.body = "公開後に直した意見"
    comment.save()
    caches["pages"].clear()
    assert "公開後に直した意見" in client.get(url).content.decode()


class Unreachable:
    """A shared cache whose server does not answer."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        return fail


def test_a_shared_cache_that_fails_costs_the_page_its_queries_only(
    client, shiryo2, monkeypatch, caplog
):
    url = shiryo2.get_absolute_url()
    expected = client.get(url).content
    caches["pages"].clear()
    monkeypatch.setattr(cache, "caches", {"pages": caches["pages"], "shared_pages": Unreachable()})

    response = client.get(url)

    assert response.status_code == 200
    assert response.content == expected
    assert "shared page cache: get failed" in caplog.text
    assert "shared page cache: set failed" in caplog.text
    # This process still keeps it.
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).content == expected
    assert len(queries) == 1


def test_a_deployment_that_changes_a_template_changes_every_etag(
    client, shiryo2, settings, tmp_path
):
    """Pages rendered by the old code are never given out by the new (the shared cache outlives
    a restart), nor a 304 for them."""
    template = tmp_path / "page.html"
    template.write_text("<p>旧</p>", encoding="utf-8")
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, tmp_path]
    url = shiryo2.get_absolute_url()
    cache.rendering_version.cache_clear()
    old = client.get(url)["ETag"]

    template.write_text("<p>新</p>", encoding="utf-8")
    cache.rendering_version.cache_clear()
    caches["pages"].clear()  # a restarted worker; the shared cache holds the old code's page
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers={"If-None-Match": old})

    assert response.status_code == 200
    assert response["ETag"] != old
    assert len(queries) > 1  # rendered afresh
    cache.rendering_version.cache_clear()


def test_the_sites_etag_on_a_url_that_does_not_exist_is_a_404(client, shiryo2):
    etag = client.get(shiryo2.get_absolute_url())["ETag"]
    missing = reverse("feedback:report-detail", args=[shiryo2.pk + 1000])

    response = client.get(missing, headers={"If-None-Match": etag})

    assert response.status_code == 404
    assert (
        client.get(shiryo2.get_absolute_url(), headers={"If-None-Match": etag}).status_code == 304
    )


@pytest.mark.django_db(transaction=True)
def test_unpublish_committed_while_a_later_change_commits_first_is_never_outlived(client):
    """Issue 10.2: a history id is handed out at insert, not at commit. Transaction A unpublishes
    a 資料 and waits; transaction B changes another public remark; a reader renders the page in
    between. Once A has committed, no reader may get the unpublished 資料 or a 304 for it."""
    # A transactional test may follow another that emptied the tables migrations filled.
    ReflectionCategory.objects.get_or_create(name="参考")
    shown = published_report(count=1)
    other = published_report(count=1)
    url = shown.get_absolute_url()
    before = client.get(url)
    assert before.status_code == 200

    a_wrote = threading.Event()
    a_may_commit = threading.Event()
    b_done = threading.Event()
    errors = []

    def transaction_a():
        try:
            with transaction.atomic():
                report_unpublish(report=Report.objects.get(pk=shown.pk))
                a_wrote.set()
                a_may_commit.wait(10)
        except Exception as error:  # reported below, the test fails on it
            errors.append(error)
        finally:
            connections.close_all()

    def transaction_b():
        try:
            a_wrote.wait(10)
            with transaction.atomic():
                comment = Comment.objects.get(pk=other.comments.get().pk)
                comment.body = "Bの変更"
                comment.save()
        except Exception as error:
            errors.append(error)
        finally:
            b_done.set()
            connections.close_all()

    threads = [threading.Thread(target=transaction_a), threading.Thread(target=transaction_b)]
    for thread in threads:
        thread.start()
    a_wrote.wait(10)
    b_done.wait(0.5)
    # A reader while A is still open: the 資料 is still public, correctly.
    assert client.get(url).status_code == 200
    a_may_commit.set()
    for thread in threads:
        thread.join(20)

    assert errors == []
    assert client.get(url).status_code == 404
    assert client.get(url, headers={"If-None-Match": before["ETag"]}).status_code == 404
    assert shown.get_absolute_url() not in client.get("/").content.decode()
