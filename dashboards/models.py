"""The dashboard's summary of referrals: counters per local filing day and the keys the visibility
rule and the filters read, kept current by the timer sweep (dashboards/summary/refresh.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import District, Organization
from referrals.models import Category, DeclineReason

# Referrals counted in a row, by their state now; each column is summed over the period's rows.
COUNTERS = (
    "filed",
    "after_hours",
    "level_1",
    "level_2",
    "level_3",
    # open statuses (OPEN_STATUSES)
    "submitted",
    "acknowledged",
    "accepted",
    "in_progress",
    "returned",
    "declined",
    *(f"decline_{reason}" for reason in DeclineReason.values),
    "unassigned",
    "needs_reassignment",
    "transfers",  # transfer events, not referrals
    # acknowledgement, for the rows' deadline day (due_day)
    "withdrawn",
    "on_time",
    "unacknowledged",
)


class Counter(models.PositiveIntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", 0)
        super().__init__(*args, **kwargs)


class ReferralDailyFigures(models.Model):
    """One row per local filing day × local deadline day × receiving team × referring station ×
    district × category. Derived data: the refresh deletes and rebuilds whole filing days."""

    day = models.DateField(_("filing day"))
    due_day = models.DateField(_("acknowledgement deadline day"), null=True)
    team = models.ForeignKey(
        Organization, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    referring_station = models.ForeignKey(
        Organization, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    district = models.ForeignKey(District, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    category = models.CharField(max_length=30, choices=Category.choices)
    filed = Counter()
    after_hours = Counter()
    level_1 = Counter()
    level_2 = Counter()
    level_3 = Counter()
    submitted = Counter()
    acknowledged = Counter()
    accepted = Counter()
    in_progress = Counter()
    returned = Counter()
    declined = Counter()
    decline_not_in_remit = Counter()
    decline_insufficient_information = Counter()
    decline_already_served = Counter()
    decline_outside_area = Counter()
    decline_no_capacity = Counter()
    decline_duplicate = Counter()
    decline_other = Counter()
    unassigned = Counter()
    needs_reassignment = Counter()
    transfers = Counter()
    withdrawn = Counter()
    on_time = Counter()
    unacknowledged = Counter()

    class Meta:
        verbose_name = _("daily referral figures")
        verbose_name_plural = _("daily referral figures")
        indexes = [
            models.Index(fields=["day"], name="referral_figures_day_idx"),
            models.Index(fields=["due_day"], name="referral_figures_due_day_idx"),
            # A supervisor's rows: their teams' or their stations' days (a BitmapOr of the two).
            models.Index(fields=["team", "day"], name="referral_figures_team_day_idx"),
            models.Index(fields=["referring_station", "day"], name="referral_figures_station_idx"),
            models.Index(fields=["team", "due_day"], name="referral_figures_team_due_idx"),
            models.Index(fields=["referring_station", "due_day"], name="referral_figures_st_due_idx"),
        ]

    def __str__(self):
        return f"{self.day} {self.referring_station_id}→{self.team_id} {self.category}"


class FiguresRefresh(models.Model):
    """The summary's state (one row): when it was last rebuilt, wholly and at all."""

    refreshed_at = models.DateTimeField(_("figures as of"), null=True)
    full_at = models.DateTimeField(_("last full rebuild"), null=True)
    time_zone = models.CharField(max_length=50, blank=True)  # the days' time zone when built

    class Meta:
        verbose_name = _("summary refresh")
        verbose_name_plural = _("summary refreshes")

    def __str__(self):
        return f"{self.refreshed_at}"
