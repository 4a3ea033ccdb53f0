"""Hazard events: the list, reporting, the event page, review, follow-up items and attachments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access_log import log_access, log_reads
from accounts.drafts import discard_draft
from accounts.visibility import get_visible_or_404
from safety import forms, policy, services
from safety.models import FollowUpItem, HazardAttachment, HazardEvent
from safety.views._base import _errors, _flash, _social_work
from safety.views.offline import event_offline_context


@login_required
def events(request):
    _social_work(request.user)
    qs = HazardEvent.objects.visible_to(request.user).select_related("team", "worker")
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    log_reads(request, page.object_list)
    return render(
        request, "safety/events.html", {"page": page, "may_report": policy.may_ever(request.user, "report_event")}
    )


@login_required
def event_new(request):
    _social_work(request.user)
    form = forms.HazardEventForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        worker = data.pop("worker") or request.user
        attachments = data.pop("attachments") or []
        data.pop("offender_person", None)
        try:
            event = services.report_hazard_event(actor=request.user, worker=worker, attachments=attachments, **data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            discard_draft(request.user, "hazard-event", sent=True)
            messages.success(request, _("Hazard event %(ref)s reported.") % {"ref": event.reference})
            return redirect(event)
    return render(
        request,
        "safety/event_form.html",
        {"form": form, **event_offline_context()},
        status=400 if form.errors else 200,
    )


@login_required
def event_detail(request, pk):
    event = get_visible_or_404(HazardEvent.objects.select_related("team", "worker", "reported_by"), request.user, pk=pk)
    log_access(request, event)
    user = request.user
    items = [
        (
            item,
            forms.FollowUpForm(instance=item, prefix=f"f{item.pk}")
            if policy.can(user, "update_follow_up", item)
            else None,
        )
        for item in event.follow_ups.select_related("owner")
    ]
    return render(
        request,
        "safety/event_detail.html",
        {
            "event": event,
            "items": items,
            "actions": policy.allowed_actions(user, event),
            "review_form": forms.ReviewFlagForm(),
            "attachments": event.attachments.all(),
        },
    )


@login_required
@require_POST
def event_review(request, pk):
    event = get_visible_or_404(HazardEvent, request.user, pk=pk)
    form = forms.ReviewFlagForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the review."))
        return redirect(event)
    try:
        services.flag_for_review(actor=request.user, event=event, reason=form.cleaned_data["reason"])
        messages.success(request, _("Marked as a major hazard event for review."))
    except ValidationError as exc:
        _flash(request, exc)
    return redirect(event)


@login_required
@require_POST
def follow_up_update(request, pk):
    item = get_visible_or_404(FollowUpItem.objects.select_related("event"), request.user, pk=pk)
    form = forms.FollowUpForm(request.POST, instance=FollowUpItem.objects.get(pk=item.pk), prefix=f"f{item.pk}")
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.update_follow_up(
                actor=request.user, item=item, owner=d["owner"], due_on=d["due_on"], status=d["status"], note=d["note"]
            )
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("Follow-up updated."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(item.event)


@login_required
def attachment(request, pk):
    visible = HazardEvent.objects.visible_to(request.user).values("pk")
    item = HazardAttachment.objects.filter(event__in=visible, pk=pk).first()
    if item is None:
        raise Http404
    log_access(request, item.event, detail=f"attachment {item.pk}")
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)
