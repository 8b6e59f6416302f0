"""Idempotency keys, as Stripe and TigerBeetle use them: a POST sent with
`Idempotency-Key: <any text up to 255 characters>` is done once. Its answer is kept 24
hours for the user; the same request sent again with the same key gets that answer
again (`Idempotent-Replayed: true`) and changes nothing; the same key with another
request is refused (422 `idempotency_key_reused`).

The key is taken in the operation's transaction: a retry sent while the first request
runs waits for it (PostgreSQL: on the key's unique index; SQLite: on the write lock),
then gets its answer. A refused request does not keep its key: sent again, it is tried
again.
"""

import functools
import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.errors import ApiError
from api.models import IdempotentRequest

HEADER = "Idempotency-Key"
KEPT = timedelta(hours=24)
KEY_TOO_LONG = _("An Idempotency-Key has at most 255 characters.")
KEY_REUSED = _(
    "This Idempotency-Key was used for another request: use a new key for a new request."
)


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


def _replay(kept: IdempotentRequest, fingerprint: str) -> HttpResponse:
    if kept.fingerprint != fingerprint:
        raise ApiError(422, "idempotency_key_reused", KEY_REUSED, HEADER)
    response = HttpResponse(bytes(kept.body), status=kept.status, content_type=kept.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(respond: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Make an operation that answers an HttpResponse idempotent by key."""

    @functools.wraps(respond)
    def operation(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = request.headers.get(HEADER, "")
        if not key:
            return respond(request, *args, **kwargs)
        if len(key) > 255:
            raise ApiError(422, "invalid", KEY_TOO_LONG, HEADER)
        user_id = int(request.user.pk or 0)
        fingerprint = _fingerprint(request)
        kept = IdempotentRequest.objects.filter(user_id=user_id, key=key).first()
        if kept is not None and kept.created_at > timezone.now() - KEPT:
            return _replay(kept, fingerprint)
        try:
            with transaction.atomic():
                IdempotentRequest.objects.filter(
                    user_id=user_id, created_at__lt=timezone.now() - KEPT
                ).delete()
                taken = IdempotentRequest.objects.create(
                    user_id=user_id,
                    key=key,
                    fingerprint=fingerprint,
                    status=0,
                    body=b"",
                    content_type="",
                )
                response = respond(request, *args, **kwargs)
                if response.status_code >= 400:
                    # Refused: the key is not kept (sent again, the request is tried
                    # again); what the refusal recorded (a refused import's batch) stays.
                    taken.delete()
                    return response
                taken.status = response.status_code
                taken.body = response.content
                taken.content_type = response.get("Content-Type", "application/json")
                taken.save(update_fields=["status", "body", "content_type"])
                return response
        except IntegrityError:
            # Taken meanwhile by the same request sent twice at once: its answer.
            kept = IdempotentRequest.objects.filter(user_id=user_id, key=key).first()
            if kept is None or kept.status == 0:
                raise
            return _replay(kept, fingerprint)

    return operation
