"""Key locations, their inspections and suspected-site thresholds; missing-person reports."""

from collections.abc import Collection
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from accounts.references import next_reference
from patrols import policy
from patrols.models import (
    DEFAULT_THRESHOLD,
    INDICATORS,
    IndicatorThreshold,
    Inspection,
    KeyLocation,
    MissingPersonReport,
    SuspectedSite,
)
from patrols.services._base import _at_a_station, _notify, _people_of, _precinct_of


@transaction.atomic
def add_key_location(*, actor: User, station: Organization, **fields: Any) -> KeyLocation:
    policy.require(actor, "add_location", KeyLocation(station=station))
    _at_a_station(station, _("Key locations are kept by a police station."))
    beat = fields.get("beat")
    if beat is not None and beat.station_id != station.pk:
        raise ValidationError({"beat": _("Choose one of the station's own beats.")})
    location = KeyLocation(station=station, **fields)
    location.full_clean()
    location.save()
    return location


def threshold_for(*, kind: str) -> int:
    row = IndicatorThreshold.objects.filter(kind=kind).first()
    return row.threshold if row else DEFAULT_THRESHOLD


@transaction.atomic
def inspect_location(
    *, actor: User, location: KeyLocation, kind: str, indicators: Collection[str], note: str = ""
) -> Inspection:
    policy.require(actor, "inspect_location", location)
    allowed = INDICATORS.get(SuspectedSite(kind)) if kind in SuspectedSite.values else None
    if allowed is None:
        raise ValidationError({"kind": _("Choose a checklist.")})
    unknown = set(indicators) - set(allowed)
    if unknown:
        raise ValidationError({"indicators": _("Unknown indicator for this checklist.")})
    inspection = Inspection.objects.create(
        location=location, officer=actor, kind=kind, indicators=sorted(set(indicators)), note=note
    )
    location.last_checked_on = timezone.localdate()
    fields = ["last_checked_on"]
    if len(set(indicators)) >= threshold_for(kind=kind) and location.status != KeyLocation.Status.SUSPECTED:
        location.status = KeyLocation.Status.SUSPECTED
        location.suspected_kind = kind
        fields += ["status", "suspected_kind"]
        precinct = _precinct_of(location.station)
        _notify(_people_of(precinct), _("suspected site found"), location.get_absolute_url(), location.name)
    location.save(update_fields=fields)
    return inspection


@transaction.atomic
def take_missing_person_report(*, actor: User, station: Organization, **fields: Any) -> MissingPersonReport:
    """Any station takes the report, whatever the jurisdiction; women and children are high-sensitivity."""
    policy.require(actor, "take_missing_report", MissingPersonReport(station=station))
    if station is None or station.kind != Organization.Kind.STATION:
        raise ValidationError({"station": _("Reports are taken at a police station.")})
    if fields.get("last_seen_at") and fields["last_seen_at"] > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"last_seen_at": _("The time last seen cannot be in the future.")})
    report = MissingPersonReport(station=station, taken_by=actor, **fields)
    report.high_sensitivity = report.sex == "female" or (report.age is not None and report.age < 18)
    report.reference = next_reference(prefix="MP", year=timezone.localdate().year)
    report.full_clean()
    report.save()
    if report.high_sensitivity:
        _notify(
            _people_of(_precinct_of(station)),
            _("high-sensitivity missing person"),
            "/patrols/missing/",
            report.reference,
            kind="missing_person",
        )
    return report
