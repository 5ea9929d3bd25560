"""The OpenAPI description is valid, and every path answers for 資料2 with a body that matches
its schema exactly."""

import json

from openapi_spec_validator import validate

from tests.api.conftest import get_json, openapi, response_validator
from tests.feedback.policy_example import worked_example

LIST_PATHS = [
    "/api/v1/categories/",
    "/api/v1/committees/",
    "/api/v1/meetings/",
    "/api/v1/members/",
    "/api/v1/passages/",
    "/api/v1/policies/",
    "/api/v1/policy-changes/",
    "/api/v1/policy-items/",
    "/api/v1/policy-versions/",
    "/api/v1/remarks/",
    "/api/v1/reports/",
]


def test_schema_is_valid_openapi_3_1(client, db):
    document = openapi(client)
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "平塚市 審議会等の意見と市の考え方 オープンデータAPI"
    assert sorted(document["paths"]) == sorted(
        [*LIST_PATHS, *(f"{path}{{id}}/" for path in LIST_PATHS)]
    )
    for operations in document["paths"].values():
        assert sorted(operations) == ["get"]


def test_schema_yaml_is_the_default(client, db):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oai.openapi; charset=utf-8"
    assert response.content.startswith(b"openapi: 3.1.0\n")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Accept" in response["Vary"]
    as_json = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert as_json["Content-Type"] == "application/vnd.oai.openapi+json"
    assert json.loads(as_json.content)["openapi"] == "3.1.0"


def test_every_list_and_detail_matches_its_schema(client, shiryo2):
    worked_example()  # the policy's 素案 and 策定版, and two remarks linked to their changes
    document = openapi(client)
    counts = {}
    for path in LIST_PATHS:
        body = get_json(client, path)
        errors = list(response_validator(document, path).iter_errors(body))
        assert errors == [], (path, errors[:3])
        counts[path] = len(body["results"])
        assert body["next"] is None
        for record in body["results"]:
            detail_path = f"{path}{{id}}/"
            detail = get_json(client, f"{path}{record['id']}/")
            errors = list(response_validator(document, detail_path).iter_errors(detail))
            assert errors == [], (detail_path, errors[:3])
    assert counts == {
        "/api/v1/categories/": 7,
        "/api/v1/committees/": 1,
        "/api/v1/meetings/": 1,
        "/api/v1/members/": 4,
        "/api/v1/passages/": 21,
        "/api/v1/policies/": 1,
        "/api/v1/policy-changes/": 2,
        "/api/v1/policy-items/": 6,
        "/api/v1/policy-versions/": 2,
        "/api/v1/remarks/": 7,
        "/api/v1/reports/": 1,
    }
