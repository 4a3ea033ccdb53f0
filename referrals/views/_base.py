"""What the referral pages share: paging and the rows' badges and actions."""

from django.core.paginator import Paginator

from accounts import hooks
from accounts.models import User
from referrals import services

R = User.Role


PAGE_SIZE = 25


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request):
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _decorate_rows(user, referrals):
    """Other apps' badges (e.g. risk flags: one query per app whatever the number of rows) and the actions
    the policy offers on each row."""
    rows = list(referrals)
    badges = [provide(user, rows) for provide in hooks.get_hooks(hooks.REFERRAL_BADGES)]
    for r in rows:
        r.badges = [fragment for found in badges for fragment in found.get(r.pk, ())]
        r.actions = services.allowed_actions(user=user, referral=r)
    return rows


def _errors_to_form(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _messages_of(exc):
    return exc.messages if hasattr(exc, "messages") else [str(exc)]
