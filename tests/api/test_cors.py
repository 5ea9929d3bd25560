"""A conditional GET answered 304 carries the same CORS headers as the 200: from the page
cache (``publication.cache.PublicPageCacheMiddleware``, the datasets) and from the API's own
conditional check (``api.views.PublicApiMixin``, Django's ``get_conditional_response``)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from publication.cache import page_cache


def cors(response):
    return {name: value for name, value in response.items() if name.startswith("Access-Control-")}


EXPECTED = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Retry-After",
}


def test_dataset_304_from_the_page_cache_keeps_cors(client, shiryo2):
    url = "/api/v1/datasets/remarks.csv"
    first = client.get(url)
    assert first.status_code == 200
    assert cors(first) == EXPECTED
    # Cold: the view renders, then the middleware answers 304 for it.
    page_cache().clear()
    cold = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    # Warm: the page cache answers before the view, without reading any record.
    with CaptureQueriesContext(connection) as queries:
        warm = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        modified = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert not [q for q in queries.captured_queries if "feedback_" in q["sql"]]
    for answer in (cold, warm, modified):
        assert answer.status_code == 304
        assert answer.content == b""
        assert cors(answer) == EXPECTED
        assert answer["ETag"] == first["ETag"]


def test_api_304_from_its_conditional_check_keeps_cors(client, shiryo2):
    for url in ("/api/v1/remarks/", f"/api/v1/reports/{shiryo2.pk}/", "/api/v1/schema/"):
        first = client.get(url)
        assert first.status_code == 200
        assert cors(first) == EXPECTED
        for validator in (
            {"HTTP_IF_NONE_MATCH": first["ETag"]},
            {"HTTP_IF_MODIFIED_SINCE": first["Last-Modified"]},
        ):
            answer = client.get(url, **validator)
            assert answer.status_code == 304, (url, validator)
            assert cors(answer) == EXPECTED, (url, validator)
