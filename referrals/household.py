"""One household timeline across agencies.

Every record touching a household, in time order: referrals here, and what other apps register
(home visits, hazard events and risk flags from safety; patrol visits from patrols). Each source
returns entries for all records, marking which the viewer may see: a visible record shows its
content; any other shows only which unit holds it and how to reach them, so workers around one
family can find each other without reading each other's files.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from accounts import hooks
from referrals.models import OPEN_STATUSES, Referral


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    holder: object  # the organisation that holds the record
    visible: bool
    title: str = ""  # reference, status … only when visible
    detail: str = ""
    url: str = ""

    @property
    def contact(self):
        return self.holder.contact if self.holder is not None else ""


def timeline(user, household):
    referrals = list(
        Referral.objects.filter(household=household).select_related(
            "team__parent", "referring_station", "assigned_worker"
        )
    )
    sources = hooks.get_hooks(hooks.HOUSEHOLD_TIMELINE)  # func(user, household, referrals) -> Entry…
    entries = [entry for func in sources for entry in func(user, household, referrals)]
    return sorted(entries, key=lambda e: e.at, reverse=True)


def workers_around(household):
    """The assigned workers of the household's open referrals, with their team (names and contact only)."""
    return (
        Referral.objects.filter(household=household, status__in=OPEN_STATUSES, assigned_worker__isnull=False)
        .select_related("assigned_worker", "team")
        .order_by("team__name")
    )


def referral_entries(user, household, referrals):
    visible = set(Referral.objects.visible_to(user).filter(household=household).values_list("pk", flat=True))
    for r in referrals:
        seen = r.pk in visible
        yield Entry(
            at=r.filed_at,
            kind=_("Referral"),
            holder=r.team.parent if r.team and r.team.parent else (r.team or r.referring_station),
            visible=seen,
            title=f"{r.reference} · {r.get_status_display()}" if seen else "",
            detail=f"{r.get_category_display()} · {r.team or _('Intake queue')}" if seen else "",
            url=r.get_absolute_url() if seen else "",
        )
