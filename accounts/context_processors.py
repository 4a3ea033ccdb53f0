import time

from accounts import navigation as nav
from accounts.middleware import session_remaining
from accounts.models import Notification


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_items": nav.items_for(user),
        "unread_notifications": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
    }


def session(request):
    """For the session warning and form drafts: seconds left, and when this page was made (ms)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"session_remaining": session_remaining(request), "page_opened": int(time.time() * 1000)}
