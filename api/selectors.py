"""Reads of the API app: the tokens a person sees on their page."""

from django.contrib.auth.models import User
from django.db.models import QuerySet

from api.models import ApiToken
from irls.access import is_office_head


def tokens_for(user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first."""
    return ApiToken.objects.filter(user=user).select_related("revoked_by")


def tokens_of_others(user: User) -> QuerySet[ApiToken]:
    """Everyone else's active tokens, for the office head (who may revoke them); none
    for anyone else."""
    if not is_office_head(user):
        return ApiToken.objects.none()
    return (
        ApiToken.objects.exclude(user=user)
        .filter(revoked_at__isnull=True)
        .select_related("user")
        .order_by("user__username", "-created_at")
    )
