"""What the safety pages share: social work only, form errors from a refusal, flash messages."""

from django.contrib import messages
from django.http import Http404

from accounts.models import User
from accounts.visibility import require_role

R = User.Role


SOCIAL = (R.SOCIAL_WORKER, R.SUPERVISOR, R.INTAKE_COORDINATOR)


def _social_work(user):
    require_role(user, *SOCIAL)
    if user.is_police:
        raise Http404


def _errors(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def _flash(request, exc):
    messages.error(request, " ".join(exc.messages) if hasattr(exc, "messages") else str(exc))
