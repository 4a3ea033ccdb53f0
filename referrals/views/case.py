"""The case page, the actions on it and the household timeline."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import hooks
from accounts.access_log import log_access
from accounts.drafts import discard_draft
from accounts.models import Approval
from accounts.visibility import get_visible_or_404
from referrals import forms, household, selectors, services
from referrals.models import (
    OUTCOME_NEXT_STEP,
    CaseNote,
    Household,
    Referral,
    ReferralEvent,
    Status,
)
from referrals.views._base import R, _decorate_rows, _errors_to_form, _messages_of


@login_required
def detail(request, pk):
    referral = get_visible_or_404(
        Referral.objects.select_related(
            "team", "referring_station", "assigned_worker", "referring_officer", "household", "linked_to"
        ),
        request.user,
        pk=pk,
    )
    log_access(request, referral)
    return render(request, "referrals/detail.html", _detail_context(request, referral))


# The actions of the case page, in their usual order: (title of the form, its button).
ACTION_LABELS = {
    "acknowledge": (gettext_lazy("Acknowledge"), gettext_lazy("Acknowledge")),
    "resubmit": (gettext_lazy("Add the information and resubmit"), gettext_lazy("Resubmit")),
    "accept": (gettext_lazy("Accept and assign"), gettext_lazy("Accept")),
    "first_contact": (gettext_lazy("Record first contact"), gettext_lazy("Record contact")),
    "close": (gettext_lazy("Close with an outcome"), gettext_lazy("Close the case")),
    "confirm_level": (gettext_lazy("Confirm the triage level"), gettext_lazy("Confirm")),
    "reassign": (gettext_lazy("Reassign"), gettext_lazy("Reassign")),
    "dispatch": (gettext_lazy("Dispatch to a team"), gettext_lazy("Dispatch")),
    "return": (gettext_lazy("Return for more information"), gettext_lazy("Return to the referrer")),
    "decline": (gettext_lazy("Decline"), gettext_lazy("Decline")),
    "re_refer": (gettext_lazy("Re-refer to another agency"), gettext_lazy("Re-refer")),
    "fail": (gettext_lazy("Could not be served"), gettext_lazy("Record")),
    "transfer": (gettext_lazy("Transfer to another team"), gettext_lazy("Transfer")),
    "redirect": (gettext_lazy("Redirect to another team"), gettext_lazy("Redirect")),
    "share": (gettext_lazy("Share with a colleague"), gettext_lazy("Share")),
    "feedback": (gettext_lazy("Was this referral appropriate?"), gettext_lazy("Send feedback")),
    "cancel": (gettext_lazy("Cancel the referral"), gettext_lazy("Cancel referral")),
}
# The note form sits with the notes, not in the list of actions; the card can still point to it.
NOTE_LABEL = gettext_lazy("Add a note")

# What the worker most likely does next, by status: these come first, in this order, and the first one
# the policy allows is the card's primary action; the other allowed actions follow in the usual order.
LIKELY_NEXT: dict[str, tuple[str, ...]] = {
    Status.SUBMITTED: ("acknowledge", "accept", "dispatch", "confirm_level"),
    Status.ACKNOWLEDGED: ("accept", "confirm_level"),
    Status.ACCEPTED: ("first_contact", "note"),
    Status.IN_PROGRESS: ("note", "close"),
    Status.RETURNED: ("resubmit",),
    Status.DECLINED: ("redirect",),
}


def ordered_actions(*, status: str, allowed: set[str]) -> list[str]:
    """The allowed actions, the likely next ones for ``status`` first (``note`` included when likely)."""
    likely = LIKELY_NEXT.get(status, ())
    usual = [name for name in (*ACTION_LABELS, "note") if name not in likely]
    return [name for name in (*likely, *usual) if name in allowed]


def _may_open_household(user) -> bool:
    """The household timeline is for social work and the intake desk, never the police side."""
    return (user.is_administrator or user.role in (R.SOCIAL_WORKER, R.SUPERVISOR, R.INTAKE_COORDINATOR)) and (
        not user.is_police
    )


def _when(at, now) -> str:
    """A moment in the viewer's time zone: the time alone today, with the day otherwise."""
    local = timezone.localtime(at)
    return date_format(local, "H:i" if local.date() == timezone.localtime(now).date() else "D j M H:i")


def _escalation_steps(events, now) -> list[dict]:
    """Escalation steps and who took each, read from the events (the page lists them anyway)."""
    steps, latest = [], {}
    for e in events:
        if e.kind == ReferralEvent.Kind.ESCALATED:
            latest[e.note] = {"level": e.note, "when": _when(e.at, now), "taken_by": None}
            steps.append(latest[e.note])
        elif e.kind == ReferralEvent.Kind.ESCALATION_ACKNOWLEDGED and e.note in latest and e.actor:
            latest[e.note]["taken_by"] = e.actor.get_full_name() or e.actor.username
    return steps


def _clock(user, referral, now, events, related, primary):
    """The "next step" card: the running deadline, escalations, the household and the likely next action."""
    card = {"shared_view": user.reads_shared_view, "status": referral.status}
    if user.reads_shared_view:
        # The referrer's view: where the referral stands, without rules, escalations or other records.
        card["ack_due"] = _when(referral.ack_due_at, now) if referral.ack_due_at else ""
        card["acknowledged"] = _when(referral.acknowledged_at, now) if referral.acknowledged_at else ""
        card["accepted"] = _when(referral.accepted_at, now) if referral.accepted_at else ""
        card["primary"] = primary
        return card
    deadline = services.next_deadline(referral=referral)
    if deadline is not None:
        card.update(
            deadline=deadline,
            due=_when(deadline.due, now),
            left=services.time_left(due=deadline.due, now=now),
            overdue=deadline.due <= now,
            formats=services.time_left_formats(),
        )
    if referral.first_contact_at:
        card["contacted"] = _when(referral.first_contact_at, now)
    card["escalations"] = _escalation_steps(events, now)
    if related:
        card["household"] = True
        card["household_others"] = len(related)
        card["household_link"] = _may_open_household(user)
    card["primary"] = primary
    return card


def _detail_context(request, referral, **forms_with_errors):
    user = request.user
    now = timezone.now()
    actions = services.allowed_actions(user=user, referral=referral)
    events = list(ReferralEvent.objects.visible_to(user).filter(referral=referral).select_related("actor"))
    notes = CaseNote.objects.visible_to(user).filter(referral=referral).select_related("author")
    persons = referral.person_links.select_related("person").order_by("id")
    related = []
    if referral.household_id:
        related = list(
            selectors.visible_referrals(user).filter(household_id=referral.household_id).exclude(pk=referral.pk)[:20]
        )
    panels = [part for provide in hooks.get_hooks(hooks.REFERRAL_PANELS) for part in provide(user, referral, persons)]
    feedback = list(referral.feedback.select_related("team"))
    waiting = []
    if not user.reads_shared_view:
        waiting = list(
            Approval.objects.filter(
                kind__startswith="referral.", object_id=referral.pk, state=Approval.State.PENDING
            ).select_related("requested_by")
        )
    linked_to = None
    if referral.linked_to_id:
        linked_to = selectors.visible_referrals(user).filter(pk=referral.linked_to_id).first()
    blank = _action_forms(user, referral, actions, feedback) | forms_with_errors
    action_list, primary = _action_list(referral, actions, blank)
    return {
        "referral": referral,
        "feedback": feedback,
        "waiting_approval": waiting,
        "linked_to": linked_to,
        "pending_links": selectors.link_requests_to_decide(user, referral),
        "panels": panels,
        "actions": actions,
        "action_list": action_list,
        "clock": _clock(user, referral, now, events, related, primary),
        "events": events,
        "notes": notes,
        "persons": persons,
        "related": related,
        "next_step": OUTCOME_NEXT_STEP.get(referral.outcome, ""),
        "show_internal": not user.reads_shared_view,
        "household_link": _may_open_household(user),
        "forms": blank,
        "now": now,
    }


def _action_forms(user, referral, actions, feedback):
    """A blank form for each action the policy allows that takes one (the acknowledgement is a button)."""
    return {
        "accept": forms.AcceptForm(referral=referral) if "accept" in actions else None,
        "decline": forms.DeclineForm() if "decline" in actions else None,
        "transfer": forms.TransferForm(referral=referral) if "transfer" in actions else None,
        "cancel": forms.CancelForm() if "cancel" in actions else None,
        "first_contact": forms.FirstContactForm() if "first_contact" in actions else None,
        "close": forms.CloseForm() if "close" in actions else None,
        "reassign": forms.ReassignForm(referral=referral) if "reassign" in actions else None,
        "note": forms.NoteForm(user=user) if "note" in actions else None,
        "confirm_level": forms.LevelForm(initial={"level": referral.level}) if "confirm_level" in actions else None,
        "dispatch": forms.DispatchForm(referral=referral) if "dispatch" in actions else None,
        "redirect": forms.RedirectForm(referral=referral) if "redirect" in actions else None,
        "share": forms.ShareForm(referral=referral) if "share" in actions else None,
        "feedback": forms.FeedbackForm() if "feedback" in actions and not feedback else None,
        "return": forms.ReturnForm() if "return" in actions else None,
        "resubmit": forms.ResubmitForm() if "resubmit" in actions else None,
        "re_refer": forms.ReReferForm() if "re_refer" in actions else None,
        "fail": forms.FailForm() if "fail" in actions else None,
    }


def _action_list(referral, actions, blank):
    """The actions on the page, the likely next ones first, and the primary one the next-step card names."""
    # Only what is on the page: the acknowledgement is a button, every other action a form (or none left).
    shown = [a for a in ordered_actions(status=referral.status, allowed=actions) if a == "acknowledge" or blank.get(a)]
    action_list = [
        {"name": a, "form": blank.get(a), "title": ACTION_LABELS[a][0], "button": ACTION_LABELS[a][1]}
        for a in shown
        if a != "note"
    ]
    likely = [a for a in shown if a in LIKELY_NEXT.get(referral.status, ())]
    primary = None
    if likely:
        primary = {"name": likely[0], "label": NOTE_LABEL if likely[0] == "note" else ACTION_LABELS[likely[0]][0]}
    return action_list, primary


def _feedback(data):
    if data.get("appropriate") in (None, ""):
        return None
    return {"appropriate": data["appropriate"], "gaps": data.get("gaps") or []}


# Each action: (form factory or None, call(user, referral, cleaned_data), success message)
ACTIONS = {
    "acknowledge": (None, lambda u, r, d: services.acknowledge_referral(actor=u, referral=r), _("Acknowledged.")),
    "accept": (
        lambda data, r, u: forms.AcceptForm(data, referral=r),
        lambda u, r, d: services.accept_referral(actor=u, referral=r, worker=d.get("worker"), feedback=_feedback(d)),
        _("Accepted."),
    ),
    "decline": (
        lambda data, r, u: forms.DeclineForm(data),
        lambda u, r, d: services.decline_referral(
            actor=u, referral=r, reason=d["reason"], note=d["note"], feedback=_feedback(d)
        ),
        _("Declined."),
    ),
    "return": (
        lambda data, r, u: forms.ReturnForm(data),
        lambda u, r, d: services.return_to_referrer(actor=u, referral=r, needed=d["needed"]),
        _("Returned to the referring officer."),
    ),
    "resubmit": (
        lambda data, r, u: forms.ResubmitForm(data),
        lambda u, r, d: services.resubmit_referral(actor=u, referral=r, added=d["added"]),
        _("Resubmitted to the team."),
    ),
    "re_refer": (
        lambda data, r, u: forms.ReReferForm(data),
        lambda u, r, d: services.re_refer(actor=u, referral=r, agency=d["agency"], reason=d["reason"]),
        _("Re-referred."),
    ),
    "fail": (
        lambda data, r, u: forms.FailForm(data),
        lambda u, r, d: services.record_failure(actor=u, referral=r, reason=d["reason"], note=d["note"]),
        _("Recorded as not served."),
    ),
    "feedback": (
        lambda data, r, u: forms.FeedbackForm(data),
        lambda u, r, d: services.give_feedback(actor=u, referral=r, appropriate=d["appropriate"], gaps=d["gaps"]),
        _("Thank you: the referring station will see your feedback."),
    ),
    "transfer": (
        lambda data, r, u: forms.TransferForm(data, referral=r),
        lambda u, r, d: services.transfer_referral(actor=u, referral=r, team=d["team"], note=d["note"]),
        _("Transferred."),
    ),
    "cancel": (
        lambda data, r, u: forms.CancelForm(data),
        lambda u, r, d: services.cancel_referral(actor=u, referral=r, reason=d["reason"]),
        _("Cancelled."),
    ),
    "first_contact": (
        lambda data, r, u: forms.FirstContactForm(data),
        lambda u, r, d: services.record_first_contact(actor=u, referral=r, at=d["at"], note=d["note"]),
        _("First contact recorded."),
    ),
    "close": (
        lambda data, r, u: forms.CloseForm(data),
        lambda u, r, d: services.close_referral(
            actor=u, referral=r, outcome=d["outcome"], summary=d["summary"], referred_to=d["referred_to"]
        ),
        _("Closed."),
    ),
    "reassign": (
        lambda data, r, u: forms.ReassignForm(data, referral=r),
        lambda u, r, d: services.reassign_referral(actor=u, referral=r, worker=d["worker"], note=d["note"]),
        _("Reassigned."),
    ),
    "note": (
        lambda data, r, u: forms.NoteForm(data, user=u),
        lambda u, r, d: services.add_note(
            actor=u, referral=r, text=d["text"], visibility=d.get("visibility", CaseNote.Visibility.SHARED)
        ),
        _("Note added."),
    ),
    "confirm_level": (
        lambda data, r, u: forms.LevelForm(data),
        lambda u, r, d: services.confirm_level(actor=u, referral=r, level=d["level"]),
        _("Triage level confirmed."),
    ),
    "dispatch": (
        lambda data, r, u: forms.DispatchForm(data, referral=r),
        lambda u, r, d: services.dispatch_referral(actor=u, referral=r, team=d["team"], note=d["note"]),
        _("Dispatched."),
    ),
    "redirect": (
        lambda data, r, u: forms.RedirectForm(data, referral=r),
        lambda u, r, d: services.redirect_referral(actor=u, referral=r, team=d["team"], note=d["note"]),
        _("Redirected."),
    ),
    "share": (
        lambda data, r, u: forms.ShareForm(data, referral=r),
        lambda u, r, d: services.share_with_worker(actor=u, referral=r, worker=d["worker"]),
        _("Shared."),
    ),
    "confirm_link": (
        lambda data, r, u: forms.LinkDecisionForm(data, referral=r),
        lambda u, r, d: services.confirm_link(actor=u, link=d["link"]),
        _("Linked to the existing household."),
    ),
    "reject_link": (
        lambda data, r, u: forms.LinkDecisionForm(data, referral=r),
        lambda u, r, d: services.reject_link(actor=u, link=d["link"]),
        _("Marked as not the same household."),
    ),
}


@login_required
@require_POST
def act(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    referral = get_visible_or_404(Referral.objects.select_related("team", "referring_station"), request.user, pk=pk)
    make_form, call, done = ACTIONS[action]
    form = make_form(request.POST, referral, request.user) if make_form else None
    if form is not None and not form.is_valid():
        return _action_failed(request, referral, action, form)
    try:
        result = call(request.user, referral, form.cleaned_data if form else {})
    except ValidationError as exc:
        if form is None:
            messages.error(request, " ".join(_messages_of(exc)))
            return _after_action(request, referral)
        _errors_to_form(form, exc)
        return _action_failed(request, referral, action, form)
    if action == "note":
        discard_draft(request.user, f"note:{referral.pk}", sent=True)
    if isinstance(result, Approval):
        done = _("Sent to a supervisor for approval.")
    messages.success(request, f"{referral.reference}: {done}")
    return _after_action(request, referral)


def _action_failed(request, referral, action, form):
    if request.htmx:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return _after_action(request, referral)
    return render(request, "referrals/detail.html", _detail_context(request, referral, **{action: form}), status=400)


def _after_action(request, referral):
    """htmx from a queue row: re-render just that row; otherwise back where the user came from."""
    if request.htmx and request.POST.get("row"):
        fresh = selectors.visible_referrals(request.user).filter(pk=referral.pk).first()
        if fresh is not None:
            _decorate_rows(request.user, [fresh])
        return render(request, "referrals/_queue_row.html", {"r": fresh, "now": timezone.now(), "in_place": True})
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    if Referral.objects.visible_to(request.user).filter(pk=referral.pk).exists():
        return redirect(referral)
    return redirect("home")


@login_required
def household_timeline(request, pk):
    """Every record touching a household across agencies; what the viewer may not see shows only its holder."""
    if not _may_open_household(request.user):
        raise Http404
    home = get_visible_or_404(Household, request.user, pk=pk)
    log_access(request, home, detail="household timeline")
    context = {
        "household": home,
        "entries": household.timeline(request.user, home),
        "workers": household.workers_around(home),
    }
    return render(request, "referrals/household.html", context)
