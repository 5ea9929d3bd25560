"""The open-data catalogue (/open-data/ and its DCAT JSON-LD, api/catalog.py): every listed
file answers with the stated format and exactly the stated size, the page and the JSON-LD list
the same files, update dates follow published data only, and drafts are never counted."""

import html
import json
import re
import time

from django.db.models import Max

from feedback.enums import PublicationStatus
from feedback.models import Comment, Report
from policy import services as policy_services
from publication.cache import page_cache
from tests.factories import CommentFactory
from tests.feedback.policy_example import worked_example

CATALOG = "/open-data/catalog.jsonld"
ROW = re.compile(
    r'<tr><th scope="row"><a href="([^"]+)">([^<]+)</a></th><td>([^<]+)</td>'
    r'.*?<td data-bytes="(\d+)">'
)
SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def catalogue(client):
    response = client.get(CATALOG)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.content)


def files(document):
    return [
        (
            file["dcat:downloadURL"]["@id"],
            file["dct:title"],
            file["dct:format"],
            int(file["dcat:byteSize"]["@value"]),
            file["dcat:mediaType"]["@id"].removeprefix(
                "https://www.iana.org/assignments/media-types/"
            ),
        )
        for dataset in document["dcat:dataset"]
        for file in dataset["dcat:distribution"]
    ]


def relative(url):
    assert url.startswith("http://testserver/"), url
    return url.removeprefix("http://testserver")


def test_every_listed_file_answers_with_its_format_and_exact_size(client, shiryo2):
    policy = worked_example()["policy"]
    document = catalogue(client)
    assert document["@type"] == "dcat:Catalog"
    assert document["dct:publisher"] == {
        "@type": "foaf:Organization",
        "foaf:name": "平塚市",
        "dct:identifier": "142034",
    }
    assert document["dct:license"] == {"@id": "https://creativecommons.org/licenses/by/4.0/deed.ja"}
    assert [d["dct:identifier"] for d in document["dcat:dataset"]] == [
        "api",
        "remarks",
        "reports",
        "members",
        "meetings",
        "report-files",
        "policy-differences",
    ]
    listed = files(document)
    assert [(relative(url), fmt) for url, _title, fmt, _size, _type in listed] == [
        ("/api/v1/schema/?format=json", "OpenAPI 3.1 (JSON)"),
        ("/api/v1/datasets/remarks.csv", "CSV"),
        ("/api/v1/datasets/reports.csv", "CSV"),
        ("/api/v1/datasets/members.csv", "CSV"),
        ("/api/v1/datasets/meetings.csv", "CSV"),
        (f"/reports/{shiryo2.pk}/download.xlsx", "XLSX"),
        (f"/reports/{shiryo2.pk}/download.csv", "CSV"),
        (f"/reports/{shiryo2.pk}/download.json", "JSON"),
        (f"/policies/{policy.pk}/differences.xlsx", "XLSX"),
        (f"/policies/{policy.pk}/differences.csv", "CSV"),
        (f"/policies/{policy.pk}/differences.json", "JSON"),
    ]
    page_cache().clear()  # each file rendered afresh, not the bytes the catalogue saw
    for url, _title, _fmt, size, media_type in listed:
        response = client.get(relative(url))
        assert response.status_code == 200, url
        assert response["Content-Type"].split(";")[0] == media_type, url
        assert len(response.content) == size, url
    for dataset in document["dcat:dataset"]:
        assert dataset["@type"] == "dcat:Dataset"
        assert dataset["dct:license"] == document["dct:license"]
        for file in dataset["dcat:distribution"]:
            assert file["@type"] == "dcat:Distribution"
            assert file["dcat:byteSize"]["@type"] == "xsd:nonNegativeInteger"
            assert file["dct:modified"]["@type"] == "xsd:dateTime"


def test_the_page_lists_the_same_files_and_embeds_the_same_json_ld(client, shiryo2):
    worked_example()
    document = catalogue(client)
    page = client.get("/open-data/").content.decode()
    embedded = json.loads(SCRIPT.search(page).group(1))
    assert embedded == document
    rows = [
        (html.unescape(url), html.unescape(title), fmt, int(size))
        for url, title, fmt, size in ROW.findall(page)
    ]
    assert rows == [(url, title, fmt, size) for url, title, fmt, size, _type in files(document)]
    assert '<a href="http://testserver/open-data/catalog.jsonld"' not in page  # a relative link
    assert f'href="{CATALOG}"' in page


def test_update_dates_are_the_latest_published_change(client, shiryo2):
    document = catalogue(client)
    remarks = next(d for d in document["dcat:dataset"] if d["dct:identifier"] == "remarks")
    published = Comment.objects.published()
    latest = max(
        value
        for value in published.aggregate(
            Max("updated_at"), Max("published_at"), Max("response__updated_at")
        ).values()
        if value
    )
    assert remarks["dct:modified"]["@value"] == latest.astimezone().isoformat(timespec="seconds")
    # A published change moves the date and the size.
    before = files(document)
    remark = Comment.objects.get(number=3)
    remark.body += "（訂正）"
    remark.save()
    changed = catalogue(client)
    remarks_after = next(d for d in changed["dcat:dataset"] if d["dct:identifier"] == "remarks")
    remark.refresh_from_db()
    assert remarks_after["dct:modified"]["@value"] == remark.updated_at.astimezone().isoformat(
        timespec="seconds"
    )
    sizes = {url: size for url, _t, _f, size, _m in before}
    after = {url: size for url, _t, _f, size, _m in files(changed)}
    grown = len("（訂正）".encode())
    assert after["http://testserver/api/v1/datasets/remarks.csv"] == (
        sizes["http://testserver/api/v1/datasets/remarks.csv"] + grown
    )


def test_drafts_are_never_counted(client, shiryo2):
    example = worked_example(publish=("素案",))
    document = catalogue(client)
    # Drafts of every kind: a remark, a 資料, a version of the policy (the 策定版 is one).
    meeting = Comment.objects.get(number=1).meeting
    draft = CommentFactory(meeting=meeting, number=99, body="下書きの意見")
    assert draft.status == PublicationStatus.DRAFT
    Report.objects.create(label="資料9", title="下書きの資料", meeting=meeting)
    page_cache().clear()  # made again from the database, not kept from before
    assert catalogue(client) == document
    # The same data published changes the catalogue: the test above can fail.
    policy_services.policy_version_publish(version=example["adopted"])
    assert catalogue(client) != document


def test_the_same_data_gives_the_same_workbook_bytes(client, shiryo2):
    """openpyxl would stamp the clock into the file (and its compressed size varies with the
    digits): a size stated in the catalogue would then be wrong a second later."""
    url = f"/reports/{shiryo2.pk}/download.xlsx"
    first = client.get(url).content
    page_cache().clear()
    time.sleep(1.1)
    assert client.get(url).content == first
