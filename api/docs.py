"""The documentation page's content, read from the OpenAPI description itself, so the page
cannot describe a path, a parameter or a field the API does not have."""

import functools

from drf_spectacular.generators import SchemaGenerator

# The page's order: the tables first, then what their rows refer to.
ORDER = [
    "reports",
    "remarks",
    "committees",
    "members",
    "meetings",
    "policies",
    "policy-items",
    "policy-versions",
    "passages",
    "policy-changes",
    "categories",
]
EXAMPLE_QUERIES = {
    "/api/v1/remarks/": "?q=AI&fiscal_year=2020",
    "/api/v1/members/": "?committee=1",
    "/api/v1/passages/": "?version=1",
    "/api/v1/policy-changes/": "?remark=7",
}


@functools.cache
def schema():
    """The OpenAPI document as the schema URL serves it (it changes only with the code)."""
    return SchemaGenerator().get_schema(request=None, public=True)


def endpoints(base_url):
    """Each GET path: summary, description, parameters and a curl example."""
    rows = []
    for path, operations in schema()["paths"].items():
        operation = operations.get("get")
        if operation is None or path.endswith("/schema/"):
            continue
        parameters = [
            {
                "name": parameter["name"],
                "where": "パス" if parameter["in"] == "path" else "クエリ",
                "type": parameter.get("schema", {}).get("type", ""),
                "description": parameter.get("description", ""),
            }
            for parameter in operation.get("parameters", [])
        ]
        example = path.replace("/api/v1", "", 1).replace("{id}", "1")
        example += EXAMPLE_QUERIES.get(path, "")
        rows.append(
            {
                "path": path,
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "parameters": parameters,
                "curl": f"curl -s '{base_url}{example}'",
            }
        )
    return sorted(rows, key=lambda row: (ORDER.index(row["path"].split("/")[3]), row["path"]))
