"""Districts, the organisation tree (stations, precincts, agencies, teams) and holidays."""

import zoneinfo
from datetime import time

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(value)s"), params={"value": value})


class District(models.Model):
    class RoutingMode(models.TextChoices):
        DIRECT = "direct", _("Direct to the matched team")
        CENTRALISED = "centralised", _("Centralised intake and dispatch")

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=30, unique=True)
    routing_mode = models.CharField(
        _("routing mode"), max_length=20, choices=RoutingMode.choices, default=RoutingMode.DIRECT
    )

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["name"]

    def __str__(self):
        return self.name


class OrganizationQuerySet(models.QuerySet):
    def subtree_of(self, org):
        """The organisation and everything below it (materialised path)."""
        if org is None:
            return self.none()
        return self.filter(path__startswith=org.path)

    def teams(self):
        return self.filter(kind=Organization.Kind.TEAM)

    def stations(self):
        return self.filter(kind=Organization.Kind.STATION)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Organization(models.Model):
    class Kind(models.TextChoices):
        POLICE_DEPARTMENT = "police_department", _("Police department")
        PRECINCT = "precinct", _("Precinct")
        STATION = "station", _("Police station")
        WELFARE_DEPARTMENT = "welfare_department", _("Social welfare department")
        AGENCY = "agency", _("Social welfare agency")
        TEAM = "team", _("Social work team")

    POLICE_KINDS = (Kind.POLICE_DEPARTMENT, Kind.PRECINCT, Kind.STATION)

    name = models.CharField(_("name"), max_length=150)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    district = models.ForeignKey(
        District,
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    time_zone = models.CharField(
        _("time zone"), max_length=50, default=settings.TIME_ZONE, validators=[validate_time_zone]
    )
    # Business hours (teams): weekdays as ISO numbers, 1 = Monday.
    business_days = models.CharField(
        _("business days"), max_length=7, default="12345", help_text=_("ISO weekday numbers, 1 = Monday, e.g. 12345.")
    )
    opens_at = models.TimeField(_("opens at"), default=time(9, 0))
    closes_at = models.TimeField(_("closes at"), default=time(18, 0))
    caseload_max = models.PositiveSmallIntegerField(
        _("maximum caseload per worker"), default=25, help_text=_("Open cases one worker should carry at most.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    # How other agencies reach this unit about a shared family (shown instead of records they may not see).
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    # Materialised path "/1/4/9/" so a subtree is one indexed prefix query.
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="organization_not_own_parent"),
            models.CheckConstraint(
                condition=Q(opens_at__lt=models.F("closes_at")), name="organization_opens_before_close"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_police(self):
        return self.kind in self.POLICE_KINDS

    @property
    def is_team(self):
        return self.kind == self.Kind.TEAM

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    def clean(self):
        super().clean()
        if not self.business_days or any(c not in "1234567" for c in self.business_days):
            raise ValidationError({"business_days": _("Use the digits 1 to 7 only, e.g. 12345.")})
        if self.parent_id and self.pk:
            ancestor = self.parent
            while ancestor is not None:
                if ancestor.pk == self.pk:
                    raise ValidationError({"parent": _("An organisation cannot sit below itself.")})
                ancestor = ancestor.parent

    @property
    def contact(self):
        """Phone and e-mail for other agencies, or the nearest unit above that has them."""
        org = self
        while org is not None:
            if org.contact_phone or org.contact_email:
                return " · ".join(x for x in (org.contact_phone, org.contact_email) if x)
            org = org.parent
        return ""

    def contains(self, other):
        """``other`` is this organisation or lies below it: the one subtree test."""
        return other is not None and bool(self.path) and other.path.startswith(self.path)

    def ancestors(self):
        """Ancestors from the root down, excluding self."""
        ids = [int(p) for p in self.path.strip("/").split("/")[:-1] if p]
        by_id = Organization.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

    def nearest(self, kind):
        """This organisation or the closest ancestor of the given kind."""
        if self.kind == kind:
            return self
        for org in reversed(self.ancestors()):
            if org.kind == kind:
                return org
        return None

    def save(self, *args, **kwargs):
        old_path = self.path
        super().save(*args, **kwargs)
        parent_path = self.parent.path if self.parent_id else "/"
        new_path = f"{parent_path}{self.pk}/"
        if new_path != old_path:
            Organization.objects.filter(pk=self.pk).update(path=new_path)
            self.path = new_path
            if old_path:
                # Move the descendants along with their parent.
                for child in Organization.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                    child.path = new_path + child.path[len(old_path) :]
                    Organization.objects.filter(pk=child.pk).update(path=child.path)


class Holiday(models.Model):
    """A day off for an organisation and everything below it."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["organization", "date"], name="holiday_unique_per_org")]

    def __str__(self):
        return f"{self.date} {self.name}"
