"""資料2 as data: the loaded records and the public table equal the city's document, cell by cell.

The source is parsed here independently of the fixture, straight from the project's copy of the
city's text (tab-separated, extracted from the PDF).
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from feedback.models import CityResponse, Comment, FollowUp, Member, Report, ReportEntry
from policy.models import PolicyItem
from tests.helpers import SOURCE, SOURCE_DATA
from tests.html import read_table


def test_source_parses_into_seven_rows_of_seven_cells():
    rows = SOURCE_DATA["rows"]
    assert [row[0] for row in rows] == ["1", "2", "3", "4", "5", "6", "7"]
    assert all(len(row) == 7 for row in rows)
    # No cell carries surrounding whitespace, so comparing stripped page text is exact.
    assert all(cell == cell.strip() for row in rows for cell in row)
    assert SOURCE_DATA["response_heading"] == "平塚市デジタル化基本方針策定に当たった対応"


def test_source_copy_is_the_city_document():
    # The city's text under the name it was handed over with, beside a developer's checkout.
    shared = Path(settings.BASE_DIR).parent / "shared" / "seed" / "000_eb0e8b9958932da3.txt"
    if shared.exists():  # beside a developer's checkout; a fresh clone elsewhere has only the copy
        assert SOURCE.read_bytes() == shared.read_bytes()
    assert SOURCE.read_bytes().startswith("\n\n平塚市デジタル化基本方針への反映状況".encode())


def test_loaded_records_equal_source_cell_by_cell(shiryo2):
    assert shiryo2.title == SOURCE_DATA["title"]
    assert shiryo2.label == SOURCE_DATA["label"]
    assert shiryo2.remarks_heading == SOURCE_DATA["remarks_heading"]
    assert shiryo2.response_heading == SOURCE_DATA["response_heading"]
    entries = ReportEntry.objects.filter(report=shiryo2).order_by("position")
    loaded = []
    for entry in entries:
        comment = entry.comment
        loaded.append(
            [
                str(comment.number),
                comment.member.display_name,
                comment.policy_item.heading,
                comment.body,
                comment.response.body,
                comment.response.category.name,
                list(comment.follow_ups.all())[-1].body,
            ]
        )
    assert loaded == SOURCE_DATA["rows"]


def test_loaded_counts(shiryo2):
    assert Comment.objects.count() == 7
    assert Member.objects.count() == 4
    assert PolicyItem.objects.count() == 6
    assert CityResponse.objects.count() == 7
    assert FollowUp.objects.count() == 7
    assert Comment.objects.published().count() == 7
    assert Report.objects.published().get() == shiryo2
    assert sorted(Member.objects.values_list("name", flat=True)) == sorted(
        ["秋山", "芦川", "久田", "岡部"]
    )


def test_source_oddities_are_kept(shiryo2):
    """The public record is reproduced as published, quirks included (see GLOSSARY.md)."""
    assert Comment.objects.get(number=4).body.startswith("取組内容の でSNSなどの")
    assert CityResponse.objects.get(comment__number=3).body.startswith(
        "・パソコンや電磁的記録媒体など"
    )
    # The page-2 header's typo is not the heading: page 1's wording is.
    assert "当たったの対応" not in shiryo2.response_heading


def test_whole_document_remark_targets_the_whole_document_item(shiryo2):
    item = Comment.objects.get(number=1).policy_item
    assert item.heading == "平塚市デジタル化基本方針（素案）"
    assert item.kind == "whole"
    assert item.policy.title == "平塚市デジタル化基本方針"


def test_public_table_renders_source_cell_by_cell(client, shiryo2):
    response = client.get(shiryo2.get_absolute_url())

    assert response.status_code == 200
    caption, header_rows, body_rows = read_table(response.content.decode())
    assert caption == "資料2 平塚市デジタル化基本方針への反映状況"
    groups, columns = header_rows
    assert [(cell["text"], cell["attrs"]["colspan"]) for cell in groups] == [
        (SOURCE_DATA["remarks_heading"], "5"),
        (SOURCE_DATA["response_heading"], "2"),
    ]
    assert [cell["text"] for cell in columns] == [
        "No.",
        "委員名",
        "対象項目",
        "意見、質問等",
        "市の考え方",
        "対応区分",
        "対応状況",
    ]
    assert [[cell["text"] for cell in row] for row in body_rows] == SOURCE_DATA["rows"]


def test_public_table_associates_cells_with_both_header_levels(client, shiryo2):
    _, _, body_rows = read_table(client.get(shiryo2.get_absolute_url()).content.decode())
    first = body_rows[0]
    assert [cell["attrs"].get("headers") for cell in first] == [
        "group-remarks col-number",
        "group-remarks col-member",
        "group-remarks col-item",
        "group-remarks col-body",
        "group-remarks col-response",
        "group-response col-category",
        "group-response col-follow-up",
    ]
    assert first[0]["attrs"]["scope"] == "row"


def test_loading_twice_duplicates_nothing_and_keeps_corrections(shiryo2):
    comment = Comment.objects.get(number=4)
    comment.body = "取組内容の①でSNSなどの様々なツールを利用するとありますが、"
    comment.save()

    call_command("load_report_fixture", verbosity=0)

    assert Comment.objects.count() == 7
    assert Report.objects.count() == 1
    assert Comment.objects.get(number=4).body.startswith("取組内容の①で")


def test_loading_records_history_starting_point(shiryo2):
    comment = Comment.objects.get(number=1)
    reasons = list(
        comment.history.order_by("history_date").values_list("history_change_reason", flat=True)
    )
    assert reasons[0] == "資料の初期読み込み"
    assert comment.history.count() == 2  # loaded as a draft, then published
    assert comment.history.first().status == "published"


@pytest.mark.parametrize("path", ["/", "/members/"])
def test_seed_visible_on_public_lists(client, shiryo2, path):
    response = client.get(path)
    assert response.status_code == 200
    assert (
        "平塚市デジタル化基本方針への反映状況" in response.content.decode()
        or "秋山委員" in response.content.decode()
    )
