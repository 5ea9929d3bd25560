"""The CSV datasets in 自治体標準オープンデータセット conventions, their column dictionary page
(the same definitions), and the city code's start-up check."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from api.datasets import DATASETS, check_digit, city_code_errors
from feedback.models import Comment
from tests.html import read_table


def read_csv(client, slug):
    response = client.get(f"/api/v1/datasets/{slug}.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Disposition"] == f'attachment; filename="142034_{slug}.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text, newline="")))


def test_each_csv_starts_with_the_city_code_id_and_name(client, shiryo2):
    counts = {}
    for slug, dataset in DATASETS.items():
        header, *rows = read_csv(client, slug)
        assert header == [column.name for column in dataset.columns]
        assert header[:3] == ["全国地方公共団体コード", "ID", "地方公共団体名"]
        assert {(row[0], row[2]) for row in rows} == {("142034", "平塚市")}
        counts[slug] = len(rows)
    assert counts == {"remarks": 7, "reports": 1, "members": 4, "meetings": 1}


def test_remark_row_has_iso_dates_beside_wareki(client, shiryo2):
    remark = Comment.objects.get(number=6)
    follow_up = remark.follow_ups.get()
    follow_up.recorded_on = "2021-07-01"
    follow_up.save()
    header, *rows = read_csv(client, "remarks")
    row = dict(zip(header, next(row for row in rows if row[1] == str(remark.pk)), strict=True))
    assert {name: row[name] for name in header if name not in ("最終更新日時", "市の考え方")} == {
        "全国地方公共団体コード": "142034",
        "ID": str(remark.pk),
        "地方公共団体名": "平塚市",
        "委員会名": "平塚市行政改革推進委員会",
        "会議名": "令和2年度第2回平塚市行政改革推進委員会",
        "年度": "2020",
        "年度（和暦）": "令和2年度",
        "開催日": "",
        "開催日（和暦）": "",
        "No.": "6",
        "委員名": "久田委員",
        "政策・計画名": "平塚市デジタル化基本方針",
        "対象項目": "方針2 行政内部のデジタル化",
        "意見、質問等": remark.body,
        "対応区分": "参考",
        "対応状況": follow_up.body,
        "対応状況記録日": "2021-07-01",
        "対応状況記録日（和暦）": "令和3年7月1日",
        "URL": f"http://testserver/comments/{remark.pk}/",
    }
    assert row["市の考え方"] == remark.response.body
    assert row["最終更新日時"].endswith("+09:00")
    report_header, report_row = read_csv(client, "reports")
    report = dict(zip(report_header, report_row, strict=True))
    assert report["資料番号"] == "資料2"
    assert report["掲載意見数"] == "7"
    ids = Comment.objects.order_by("report_entries__position").values_list("pk", flat=True)
    assert report["掲載意見ID"] == ";".join(str(pk) for pk in ids)


def test_dictionary_page_shows_the_columns_the_files_have(client, shiryo2):
    response = client.get("/api/v1/datasets/")
    assert response.status_code == 200
    html = response.content.decode()
    sections = html.split('<section class="api-endpoint"')[1:]
    assert len(sections) == len(DATASETS)
    for section, (slug, dataset) in zip(sections, DATASETS.items(), strict=True):
        caption, head, body = read_table(section, "dataset-columns")
        assert caption == f"{dataset.title}の項目"
        assert [cell["text"] for cell in head[0]] == ["項目名", "型", "説明", "例"]
        shown = [[cell["text"] for cell in row] for row in body]
        assert shown == [[c.name, c.type, c.description, c.example] for c in dataset.columns]
        header = read_csv(client, slug)[0]
        assert [row[0] for row in shown] == header
        assert f'href="/api/v1/datasets/{slug}.csv"' in section


def test_unknown_dataset_is_404(client, db):
    assert client.get("/api/v1/datasets/secrets.csv").status_code == 404


@pytest.mark.parametrize(
    ("code5", "digit"),
    [("14203", 4), ("13000", 1), ("01100", 2), ("14100", 3), ("01000", 6), ("14150", 0)],
)
def test_check_digit_of_known_codes(code5, digit):
    # 平塚市 142034, 東京都 130001, 札幌市 011002, 横浜市 141003, 北海道 010006, and
    # 相模原市 141500 (remainder 1: 11 - 1 = 10, whose last digit is 0).
    assert check_digit(code5) == digit


def test_check_digit_when_11_minus_the_remainder_has_two_digits():
    # Weighted sum 0: remainder 0, 11 - 0 = 11 → 1. Sum 12: remainder 1, 11 - 1 = 10 → 0.
    assert check_digit("00000") == 1
    assert check_digit("00006") == 0


def test_city_code_is_checked_at_start_up(settings):
    assert city_code_errors("142034") == []
    assert city_code_errors("142035") == [
        "CITY_CODE 142035 の検査数字（6桁目）が正しくありません。14203 の検査数字は 4 です。"
    ]
    assert city_code_errors("14203") == [
        "CITY_CODE は6桁の数字で指定してください（現在: '14203'）。"
    ]
    call_command("check", verbosity=0)
    settings.CITY_CODE = "142035"
    with pytest.raises(SystemCheckError, match=r"api\.E001"):
        call_command("check", verbosity=0)
    settings.CITY_CODE, settings.CITY_NAME = "142034", " "
    with pytest.raises(SystemCheckError, match=r"api\.E002"):
        call_command("check", verbosity=0)
