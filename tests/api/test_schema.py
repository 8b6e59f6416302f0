"""The OpenAPI document itself: version 3.1, every operation documented with its error
answers, and JSON that every parser reads alike (no key given twice)."""

import json
from typing import Any

from django.test import Client

METHODS = {"get", "post", "put", "delete", "patch"}


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _value in pairs]
    assert len(keys) == len(set(keys)), f"a key given twice: {keys}"
    return dict(pairs)


def test_the_schema_is_openapi_3_1_and_documents_every_error(db):
    answer = Client().get("/api/v1/openapi.json")
    assert answer.status_code == 200
    schema = json.loads(answer.content, object_pairs_hook=_refuse_duplicates)
    assert schema["openapi"].startswith("3.1")
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            documented = set(operation["responses"])
            assert {"401", "404", "422"} <= documented, (method, path)
            assert operation.get("summary"), (method, path)
