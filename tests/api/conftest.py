import json

import pytest
from jsonschema import Draft202012Validator


@pytest.fixture(autouse=True)
def generous_rate_limit(settings):
    """These tests make many requests from one address; the limit has its own test."""
    settings.API_RATE_LIMIT = "100000/min"


def get_json(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, (url, response.content[:500])
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def walk(client, url, **extra):
    """Every result of a list, following ``next`` to the end."""
    results = []
    while url:
        body = get_json(client, url, **extra)
        results += body["results"]
        url = body["next"]
    return results


def openapi(client):
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oai.openapi+json"
    return json.loads(response.content)


def strict(node):
    """The schema with every object closed and every property required: a response must have
    exactly the fields the description lists."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: strict(value) for key, value in node.items()}
    if "properties" in node and node.get("type") == "object":
        node["additionalProperties"] = False
        node["required"] = sorted(node["properties"])
    return node


def response_validator(document, path):
    """A JSON Schema validator for the 200 response of ``GET path``, resolving the document's
    component schemas."""
    content = document["paths"][path]["get"]["responses"]["200"]["content"]
    schema = content["application/json"]["schema"]
    root = {**schema, "components": strict(document["components"])}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
