"""`Authorization: Bearer <token>` with a personal API token (accounts.ApiToken)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.tokens import token_find, token_touch


class TokenAuthenticationFailed(exceptions.AuthenticationFailed):
    def __init__(self, detail, code):
        super().__init__(detail, code)
        self.error_code = code


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """A personal API token. An unknown, expired or revoked token, or an inactive user, is 401.

    A request without a Bearer header falls through to the session; `request.auth` is the token
    row, which the throttle uses to count per token.
    """

    keyword = "bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.encode():
            return None
        if len(header) != 2:
            raise TokenAuthenticationFailed(_("Send the token as “Authorization: Bearer <token>”."), "token_malformed")
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise TokenAuthenticationFailed(_("The token is not valid."), "token_invalid") from None
        token = token_find(raw)
        if token is None:
            raise TokenAuthenticationFailed(_("The token is not valid."), "token_invalid")
        now = timezone.now()
        if token.revoked_at is not None:
            raise TokenAuthenticationFailed(_("The token has been revoked."), "token_revoked")
        if token.expires_at <= now:
            raise TokenAuthenticationFailed(_("The token has expired."), "token_expired")
        if not token.user.is_active:
            raise TokenAuthenticationFailed(_("The token's user account is disabled."), "user_inactive")
        token_touch(token, now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
