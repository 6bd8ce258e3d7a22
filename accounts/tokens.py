"""Personal API tokens: create, check, touch and revoke. Nothing else writes `ApiToken`.

A token is `szr_` followed by 43 URL-safe characters (32 random bytes). Only its SHA-256 is
stored, so a leaked database does not leak usable tokens; the plain token is returned once,
by `token_create`, and never again.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, User

# A public label in front of every token, not a secret.
TOKEN_PREFIX = "szr_"  # noqa: S105  # nosec B105
PREFIX_LENGTH = 12  # "szr_" and 8 characters of the secret: enough to tell tokens apart on screen
MAX_LIFETIME = timedelta(days=365)
MAX_ACTIVE_TOKENS = 20
# `last_used_at` is written at most this often per token, so reads do not each cost a write.
TOUCH_INTERVAL = timedelta(minutes=1)


class TokenError(Exception):
    def __init__(self, message, *, field: str = "", code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def token_create(*, user, name: str, expires_at: datetime) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the plain token, which is not stored."""
    name = (name or "").strip()
    now = timezone.now()
    if not name:
        raise TokenError(_("Give the token a name."), field="name", code="required")
    if len(name) > 100:
        raise TokenError(_("The name can have at most 100 characters."), field="name", code="max_length")
    if expires_at is None or timezone.is_naive(expires_at):
        raise TokenError(_("Give the expiry date and time."), field="expires_at", code="required")
    if expires_at <= now:
        raise TokenError(_("The expiry must be in the future."), field="expires_at", code="past")
    if expires_at > now + MAX_LIFETIME:
        raise TokenError(_("A token can be valid for at most one year."), field="expires_at", code="too_long")
    # Lock the user's row so two requests cannot both pass the count below.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.filter(user=user).active(now).count() >= MAX_ACTIVE_TOKENS:
        raise TokenError(
            _("You already have %(count)d active tokens; revoke one first.") % {"count": MAX_ACTIVE_TOKENS},
            code="too_many",
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:PREFIX_LENGTH], key_hash=hash_token(raw), expires_at=expires_at
    )
    return token, raw


def token_find(raw: str) -> ApiToken | None:
    """The token row with its user for a presented token, whatever its state; None if unknown."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    return ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()


def token_touch(token: ApiToken, now: datetime | None = None) -> None:
    """Record that the token was used, at most once per TOUCH_INTERVAL (a conditional UPDATE)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL:
        return
    from django.db.models import Q

    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_INTERVAL)
    ).update(last_used_at=now)
    token.last_used_at = now


def token_revoke(*, user, token_id) -> ApiToken:
    """Revoke one of the user's own tokens; revoking twice keeps the first time."""
    try:
        token = ApiToken.objects.filter(user=user).get(pk=token_id)
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise TokenError(_("No such token."), code="not_found") from None
    if token.revoked_at is None:
        now = timezone.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
        token.refresh_from_db(fields=["revoked_at"])
    return token
