"""Where a digest goes. E-mail today; SMS or a government messaging platform is one more class.

A channel knows a user's address on it and sends one message; it raises on failure (the caller
retries with backoff). Configure with NOTIFICATION_CHANNELS (dotted paths).
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string


class Channel:
    code = ""

    def address(self, user) -> str:
        """The user's address on this channel, or "" if they have none."""
        raise NotImplementedError

    def send(self, *, address: str, subject: str, body: str, message_id: str) -> None:
        raise NotImplementedError


class EmailChannel(Channel):
    code = "email"

    def address(self, user) -> str:
        return (user.email or "").strip()

    def send(self, *, address, subject, body, message_id):
        # A stable Message-ID per digest lets mail servers and clients drop a rare resend.
        message = EmailMessage(subject, body, to=[address], headers={"Message-ID": message_id})
        message.send(fail_silently=False)


def channels() -> list[Channel]:
    return [import_string(path)() for path in settings.NOTIFICATION_CHANNELS]


def channel(code: str) -> Channel:
    for candidate in channels():
        if candidate.code == code:
            return candidate
    raise LookupError(code)
