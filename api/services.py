"""Writes of the API app: personal tokens created, used and revoked (audited)."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.models import ApiToken
from irls.access import is_office_head
from ledger.exceptions import LedgerError
from ledger.services.audit import audit_record

SECRET_PREFIX = "irl_"  # noqa: S105 (the shape of a token, not a secret)
PREFIX_SHOWN = 12  # "irl_" and 8 characters of the secret
MAX_DAYS = 365
# How often the last-used date is written: not on every request of a busy script.
TOUCH_EVERY = timedelta(minutes=1)

TOKEN_DAYS = _("A token lasts from 1 to {most} days.")
TOKEN_NAME = _("Give the token a name (what or who will use it).")
TOKEN_NOT_YOURS = _("Only the office head revokes another person's token.")
TOKEN_REVOKED = _("Token {prefix}… is already revoked.")


class TokenError(LedgerError):
    """A token cannot be created or revoked as asked."""


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, acting_user: User, name: str, days: int) -> tuple[ApiToken, str]:
    """A new token of `acting_user`, valid `days` days; returns it and its secret, which
    is never stored (shown once to its owner)."""
    name = name.strip()
    if not name:
        raise TokenError(TOKEN_NAME)
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(TOKEN_DAYS.format(most=MAX_DAYS))
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=acting_user,
            name=name[:80],
            prefix=secret[:PREFIX_SHOWN],
            digest=token_digest(secret),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        audit_record(
            actor=acting_user,
            action="api_token.create",
            obj=token,
            after={
                "user": acting_user.get_username(),
                "name": token.name,
                "prefix": token.prefix,
                "expires_at": token.expires_at.isoformat(),
            },
        )
    return token, secret


def token_revoke(*, acting_user: User, token: ApiToken) -> ApiToken:
    """Revoke `token`: its owner's own, or anyone's by the office head."""
    if token.user_id != acting_user.pk and not is_office_head(acting_user):
        raise TokenError(TOKEN_NOT_YOURS)
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise TokenError(TOKEN_REVOKED.format(prefix=token.prefix))
        token.revoked_at = timezone.now()
        token.revoked_by = acting_user
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=acting_user,
            action="api_token.revoke",
            obj=token,
            before={"user": token.user.get_username(), "name": token.name},
            after={"revoked_at": token.revoked_at.isoformat()},
        )
    return token


def token_authenticate(secret: str) -> ApiToken | None:
    """The active token of `secret` (its user active too), its last use noted at most
    once a minute; None for an unknown, expired or revoked one."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 100:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(secret), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
