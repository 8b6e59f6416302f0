"""Answers built by an operation itself (the idempotent ones keep them as sent)."""

import json

from django.http import HttpRequest, HttpResponse
from ninja import Schema
from ninja.responses import NinjaJSONEncoder


def json_response(request: HttpRequest, data: Schema, status: int) -> HttpResponse:
    body = json.dumps(data.model_dump(mode="json"), cls=NinjaJSONEncoder)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
