"""The API's documentation page in Chromium: axe finds nothing, and the strict CSP refuses
nothing (the page needs no script and loads nothing from elsewhere)."""

import json

from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import AXE_TAGS


def test_api_docs_pass_axe_under_the_csp(browser, site):
    base, _report = site
    page = browser.new_page()
    messages, failed = [], []
    page.on("console", lambda message: messages.append(message.text))
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    response = page.goto(base + "/api/v1/docs/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.locator("h1").inner_text() == "オープンデータAPI（第1版）の使い方"
    headings = page.locator("h3").all_inner_texts()
    assert headings[:4] == [
        "資料の一覧 GET /api/v1/reports/",
        "資料（行つき） GET /api/v1/reports/{id}/",
        "意見の一覧 GET /api/v1/remarks/",
        "意見 GET /api/v1/remarks/{id}/",
    ]
    assert len(headings) == 22  # 11 paths, each a list and a detail
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert [violation["id"] for violation in results.response["violations"]] == []
    assert page.locator("script").count() == 0
    page.close()
    assert failed == []
    # (Chromium's own request for /favicon.ico, which the site does not have, is a 404 in the
    # console but no response of the page.)
    assert [text for text in messages if "Content Security Policy" in text] == []


def test_dataset_dictionary_passes_axe(browser, site):
    base, _report = site
    page = browser.new_page()
    response = page.goto(base + "/api/v1/datasets/")
    assert response.status == 200
    assert page.locator("h2").all_inner_texts() == ["意見と市の考え方", "資料", "委員", "会議"]
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert [violation["id"] for violation in results.response["violations"]] == []
    page.close()


def test_open_data_catalogue_passes_axe_under_the_csp(browser, site):
    base, _report = site
    page = browser.new_page()
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    response = page.goto(base + "/open-data/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.locator("h3").all_inner_texts() == [
        "オープンデータAPI",
        "意見と市の考え方",
        "資料",
        "委員",
        "会議",
        "資料ごとのファイル",
        "政策・計画の素案との差異",
    ]
    # The JSON-LD is a data block: present, parsed by the browser as text, never run.
    embedded = page.locator('script[type="application/ld+json"]').text_content()
    assert json.loads(embedded)["@type"] == "dcat:Catalog"
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert [violation["id"] for violation in results.response["violations"]] == []
    page.close()
    assert [text for text in messages if "Content Security Policy" in text] == []
