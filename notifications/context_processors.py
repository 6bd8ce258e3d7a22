from notifications.models import Notice


def unread_notices(request):
    """The unread count in the page header: one indexed COUNT per page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notices": Notice.objects.for_user(user).unread().count()}
