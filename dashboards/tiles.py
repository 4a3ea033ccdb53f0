"""The dashboard's first row: each headline figure as a tile with its change against the previous
period of equal length, its target colour (with words, never colour alone) and a link to the list
behind it, filtered so that the list counts what the tile counts."""

from dataclasses import dataclass

from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards import targets
from dashboards.selectors import DEFINITIONS
from referrals.filters import Condition


@dataclass
class Tile:
    key: str  # the figure's key in the headline figures, the targets and the definitions
    testid: str
    label: str
    value: object  # a count, a percentage, or None when there is nothing to count
    previous: object = None  # the same figure for the previous period; None when it has none
    unit: str = ""  # "%" for a share
    period_based: bool = True  # False for a figure of today (persons overdue), which has no previous period
    url: str = ""  # the list behind the tile; empty when there is no list to filter
    detail: str = ""  # a second line, e.g. "(2 of 6)"
    detail_testid: str = ""
    list_count: object = None  # what the list behind it counts, when that is not the value (late ones of a share)
    list_label: str = ""
    list_testid: str = ""

    @property
    def definition(self):
        return DEFINITIONS.get(self.key, "")

    @property
    def display(self):
        if self.value is None:
            return "—"
        return f"{self.value}{self.unit}" if self.unit else intcomma(self.value)

    @property
    def change(self):
        if not self.period_based or self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 1) if self.unit else self.value - self.previous

    @property
    def direction(self):
        change = self.change
        if change is None:
            return ""
        return "up" if change > 0 else "down" if change < 0 else "same"

    @property
    def arrow(self):
        return {"up": "▲", "down": "▼", "same": "="}.get(self.direction, "")

    @property
    def change_text(self):
        change = self.change
        if not self.period_based:
            return _("as of today")
        if change is None:
            return _("no figure for the previous period")
        amount = abs(change)
        amount = _("%(n)s pp") % {"n": amount} if self.unit else intcomma(amount)
        if change > 0:
            return _("up %(n)s vs previous period") % {"n": amount}
        if change < 0:
            return _("down %(n)s vs previous period") % {"n": amount}
        return _("same as previous period")

    @property
    def status(self):
        return targets.rating(self.key, self.value)

    @property
    def status_label(self):
        return targets.LABELS.get(self.status, "")

    @property
    def target(self):
        return targets.target_text(self.key, self.unit)


def list_url(**params):
    """The referral list filtered by ``params`` (empty ones left out)."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{reverse('referrals:search')}?{query}"


def scope_params(filters):
    """The dashboard's scope filters as the referral list's parameters."""
    return {
        name: getattr(filters.get(name), "pk", filters.get(name))
        for name in ("district", "station", "team", "category")
        if filters.get(name)
    }


def build(now, previous, *, start, end, filters, show_social, show_police):
    """The tiles of the figures ``now`` against ``previous`` for the period [start, end] (dates)."""
    scope = scope_params(filters)
    filed = {"filed_from": start.isoformat(), "filed_to": end.isoformat(), **scope}
    due = {"due_from": start.isoformat(), "due_to": end.isoformat(), **scope}
    was = previous.get
    tiles = [
        Tile("total", "kpi-total", gettext_lazy("New referrals"), now["total"], was("total"), url=list_url(**filed)),
        Tile(
            "on_time",
            "kpi-on-time",
            gettext_lazy("Acknowledged on time"),
            now["on_time_pct"],
            was("on_time_pct"),
            unit="%",
            url=list_url(**due, condition=Condition.LATE),
            detail=_("(%(on_time)s of %(due)s)") % {"on_time": now["on_time"], "due": now["due"]},
            detail_testid="kpi-on-time-count",
            list_count=now["late"],
            list_label=_("%(n)s late") % {"n": now["late"]},
            list_testid="kpi-late",
        ),
        Tile(
            "overdue_now",
            "kpi-overdue",
            gettext_lazy("Overdue now"),
            now["overdue"],
            was("overdue"),
            url=list_url(**filed, condition=Condition.OVERDUE),
        ),
        Tile(
            "unacknowledged",
            "kpi-unacknowledged",
            gettext_lazy("Still unacknowledged"),
            now["unacknowledged"],
            was("unacknowledged"),
            url=list_url(**due, condition=Condition.OVERDUE),
        ),
    ]
    if show_social:
        tiles += [
            Tile(
                "unassigned",
                "kpi-unassigned",
                gettext_lazy("Open without a worker"),
                now["unassigned"],
                was("unassigned"),
                url=list_url(**filed, condition=Condition.UNASSIGNED),
            ),
            Tile("major", "kpi-major", gettext_lazy("Major hazard events"), now["major"], was("major")),
            Tile(
                "safety_alerts",
                "kpi-safety-alerts",
                gettext_lazy("Missed check-outs and alarms"),
                now["safety_alerts"],
                was("safety_alerts"),
            ),
        ]
    if show_police:
        tiles.append(
            Tile(
                "persons_overdue",
                "kpi-poc-overdue",
                gettext_lazy("Persons of concern overdue"),
                now["persons_overdue"],
                period_based=False,
            )
        )
    return tiles


def previous_period(start, end):
    """The period of equal length just before [start, end) (datetimes)."""
    return start - (end - start), start
