"""Answers built by an operation itself (the idempotent ones keep them as sent)."""

import json

from django.http import HttpRequest, HttpResponse
from ninja import Schema
from ninja.responses import NinjaJSONEncoder

from api.errors import ApiError


def json_response(request: HttpRequest, data: Schema, status: int) -> HttpResponse:
    body = json.dumps(data.model_dump(mode="json"), cls=NinjaJSONEncoder)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


def error_json(error: ApiError) -> HttpResponse:
    """A refusal answered rather than raised: what the operation wrote before it (a
    refused import's record) is kept."""
    body = {
        "code": error.code,
        "message": error.message,
        "field": error.field,
        "errors": [{"field": f, "message": str(m)} for f, m in error.errors],
    }
    return HttpResponse(
        json.dumps(body), status=error.status, content_type="application/json; charset=utf-8"
    )
