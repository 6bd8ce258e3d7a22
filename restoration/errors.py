"""The one error type of the case workflow; pages and the API turn it into a response."""

from django.utils.translation import gettext_lazy as _


class CaseError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message, *, code: str | None = None, fields: dict | None = None):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class NotFound(CaseError):
    """Missing, or outside the user's scope: the same answer for both."""

    status = 404
    code = "not_found"

    def __init__(self, message=None, **kwargs):
        super().__init__(message or _("No such case."), **kwargs)


class Forbidden(CaseError):
    status = 403
    code = "forbidden"


class WrongState(CaseError):
    status = 409
    code = "wrong_state"


class Invalid(CaseError):
    status = 400
    code = "invalid"


class Unavailable(CaseError):
    """The server cannot do it now (disk full, a service down); nothing was changed."""

    status = 503
    code = "unavailable"
