"""Targets of the dashboard's tiles: green when a figure meets its target, amber when it is near,
red otherwise. Defaults here; settings.DASHBOARD_TARGETS overrides them figure by figure.

``better`` says which way is good: for "higher", green means value >= green and amber value >= amber;
for "lower", green means value <= green and amber value <= amber.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

DEFAULTS = {
    "on_time": {"better": "higher", "green": 90, "amber": 75},
    "overdue_now": {"better": "lower", "green": 0, "amber": 5},
    "unacknowledged": {"better": "lower", "green": 0, "amber": 5},
    "unassigned": {"better": "lower", "green": 5, "amber": 15},
    "major": {"better": "lower", "green": 0, "amber": 1},
    "safety_alerts": {"better": "lower", "green": 0, "amber": 2},
    "persons_overdue": {"better": "lower", "green": 0, "amber": 5},
}

GREEN, AMBER, RED = "green", "amber", "red"
LABELS = {GREEN: _("on target"), AMBER: _("near target"), RED: _("off target")}


def targets():
    merged = {key: dict(target) for key, target in DEFAULTS.items()}
    for key, target in (getattr(settings, "DASHBOARD_TARGETS", None) or {}).items():
        merged.setdefault(key, {"better": "lower"}).update(target)
    return merged


def rating(key, value):
    """GREEN, AMBER or RED for the figure ``key``; None when it has no target or no value."""
    target = targets().get(key)
    if target is None or value is None:
        return None
    higher = target.get("better", "lower") == "higher"

    def meets(limit):
        return value >= limit if higher else value <= limit

    if meets(target["green"]):
        return GREEN
    if meets(target.get("amber", target["green"])):
        return AMBER
    return RED


def target_text(key, unit=""):
    """The green threshold as a reader sees it: "≥ 90%", "≤ 0"."""
    target = targets().get(key)
    if target is None:
        return ""
    sign = "≥" if target.get("better", "lower") == "higher" else "≤"
    return f"{sign} {target['green']}{unit}"
