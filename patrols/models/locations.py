"""Key locations, suspected-site indicators and inspections; missing-person reports."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.models.display import ChoiceDisplay
from patrols.models._scope import _manager
from patrols.models.beats import Beat


class LocationType(models.TextChoices):
    SPECIAL_INDUSTRY = "special_industry", _("Special industry")
    RENTAL_BUILDING = "rental_building", _("Rental building")
    SUBDIVIDED_SUITE = "subdivided_suite", _("Subdivided suites")
    VACANT_HOUSE = "vacant_house", _("Vacant house")
    WORK_SHED = "work_shed", _("Work shed")
    ABANDONED_FACTORY = "abandoned_factory", _("Abandoned factory")
    METAL_SHEET_HOUSE = "metal_sheet_house", _("Metal-sheet or container house")
    FENCING_PLACE = "fencing_place", _("Place to fence stolen goods")
    MONEY_PLACE = "money_place", _("Place where money gathers")
    PAST_VIOLATION = "past_violation", _("Place with past violations")


class SuspectedSite(models.TextChoices):
    DRUG_LAB = "drug_lab", _("Drug lab")
    GUN_WORKSHOP = "gun_workshop", _("Gun workshop")
    CALL_CENTRE = "call_centre", _("Fraud or gambling call centre")
    DETENTION = "detention", _("Illegal detention")
    GAMBLING_DEN = "gambling_den", _("Gambling den")
    CHOP_SHOP = "chop_shop", _("Vehicle chop shop")


# Indicator checklists per suspected-site kind (seeds/002, the plan's annex).
INDICATORS = {
    SuspectedSite.DRUG_LAB: {
        "windows_covered": _("Windows kept shut or covered"),
        "chemical_smell": _("Chemical smells"),
        "chemical_waste": _("Chemical containers or waste outside"),
        "ventilation": _("Unusual ventilation or exhaust fans"),
        "night_activity": _("Activity mostly at night"),
    },
    SuspectedSite.GUN_WORKSHOP: {
        "machine_noise": _("Machine noise"),
        "windows_covered": _("Windows kept shut or covered"),
        "metal_parts": _("Metal parts or tools delivered"),
        "outward_cctv": _("Outward-facing CCTV"),
        "night_activity": _("Activity mostly at night"),
    },
    SuspectedSite.CALL_CENTRE: {
        "office_hours_no_sign": _("Young people keeping office hours with no company sign"),
        "bulk_food": _("One person buying large amounts of food"),
        "windows_covered": _("Windows kept shut or covered"),
        "many_phones": _("Many phones or network cables"),
        "outward_cctv": _("Outward-facing CCTV"),
    },
    SuspectedSite.DETENTION: {
        "bulk_food": _("One person buying large amounts of food"),
        "guards": _("People guarding the entrance"),
        "windows_covered": _("Windows kept shut or covered"),
        "cries": _("Shouting or cries heard"),
        "outward_cctv": _("Outward-facing CCTV"),
    },
    SuspectedSite.GAMBLING_DEN: {
        "lookouts": _("Lookouts at the door"),
        "traffic_at_night": _("Many visitors late at night"),
        "outward_cctv": _("Outward-facing CCTV"),
        "windows_covered": _("Windows kept shut or covered"),
        "cash_movement": _("Large cash movements"),
    },
    SuspectedSite.CHOP_SHOP: {
        "vehicles_never_leave": _("Vehicles go in and never come out"),
        "machine_noise": _("Machine noise"),
        "parts_piles": _("Piles of vehicle parts"),
        "night_activity": _("Activity mostly at night"),
        "plates_removed": _("Number plates removed"),
    },
}


class IndicatorThreshold(models.Model):
    kind = models.CharField(_("suspected site"), max_length=20, choices=SuspectedSite.choices, unique=True)
    threshold = models.PositiveSmallIntegerField(_("indicators that make a site suspected"), default=3)

    class Meta:
        verbose_name = _("indicator threshold")
        verbose_name_plural = _("indicator thresholds")
        constraints = [models.CheckConstraint(condition=Q(threshold__gt=0), name="threshold_positive")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.threshold}"


DEFAULT_THRESHOLD = 3


class KeyLocation(ChoiceDisplay, models.Model):
    class Status(models.TextChoices):
        NORMAL = "normal", _("Normal")
        SUSPECTED = "suspected", _("Suspected")
        CLOSED = "closed", _("Closed down")

    station = models.ForeignKey(
        Organization, verbose_name=_("station"), on_delete=models.PROTECT, related_name="key_locations"
    )
    beat = models.ForeignKey(Beat, verbose_name=_("beat"), null=True, blank=True, on_delete=models.SET_NULL)
    type = models.CharField(_("type"), max_length=20, choices=LocationType.choices)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=255)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NORMAL)
    suspected_kind = models.CharField(_("suspected of"), max_length=20, choices=SuspectedSite.choices, blank=True)
    last_checked_on = models.DateField(_("last checked"), null=True, blank=True, editable=False)
    cctv_advice = models.TextField(_("CCTV installation advice"), blank=True, max_length=1000)

    objects = _manager()

    class Meta:
        verbose_name = _("key security location")
        verbose_name_plural = _("key security locations")
        ordering = ["station", "type", "name"]

    def __str__(self):
        return self.name

    @property
    def is_suspected(self):
        return self.status == self.Status.SUSPECTED

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("patrols:location", args=[self.pk])


class Inspection(models.Model):
    location = models.ForeignKey(KeyLocation, on_delete=models.CASCADE, related_name="inspections")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    inspected_at = models.DateTimeField(_("inspected at"), default=timezone.now, editable=False)
    kind = models.CharField(_("checklist"), max_length=20, choices=SuspectedSite.choices)
    indicators = models.JSONField(_("indicators seen"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = _manager("location__station")

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_at"]

    def __str__(self):
        return f"{self.location} {self.inspected_at:%Y-%m-%d}"


class MissingPersonReport(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    station = models.ForeignKey(
        Organization,
        verbose_name=_("station taking the report"),
        on_delete=models.PROTECT,
        related_name="missing_person_reports",
    )
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    sex = models.CharField(
        _("sex"), max_length=10, choices=[("female", _("Female")), ("male", _("Male")), ("unknown", _("Unknown"))]
    )
    age = models.PositiveSmallIntegerField(_("age"))
    last_seen_at = models.DateTimeField(_("last seen at"))
    last_seen_place = models.CharField(_("last seen place"), max_length=255)
    description = models.TextField(_("description"), max_length=2000)
    high_sensitivity = models.BooleanField(_("high sensitivity"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = _manager()

    class Meta:
        verbose_name = _("missing-person report")
        verbose_name_plural = _("missing-person reports")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(age__lte=130), name="missing_age_plausible")]

    def __str__(self):
        return self.reference
