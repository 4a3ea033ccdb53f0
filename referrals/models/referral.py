"""The referral, its household and persons, and the visibility rule they share."""

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts import request_cache
from accounts.crypto import EncryptedCharField
from accounts.models import District, Organization
from accounts.models.display import ChoiceDisplay
from accounts.querysets import VisibleQuerySet
from referrals.models.choices import (
    AWAITING_ACK,
    NARRATIVE_MAX,
    OPEN_STATUSES,
    OUTCOME_NEXT_STEP,
    STATUS_CODES,
    Category,
    Consent,
    DeclineReason,
    FailureReason,
    Level,
    Outcome,
    PersonRole,
    Sex,
    Status,
)
from referrals.models.keys import id_number_hash, normalise_address, normalise_name, normalise_phone


def grants_key(user):
    """The request-cache key of ``user``'s object grants (forgotten when a grant changes)."""
    return ("referral grants", user.pk)


def granted_referral_ids(user):
    return list(ReferralUserObjectPermission.objects.filter(user=user).values_list("content_object_id", flat=True))


def filed_elsewhere(officer):
    """The officer's referrals filed at a station other than theirs (after a move: few or none)."""
    mine = Referral.objects.filter(referring_officer=officer).exclude(referring_station=officer.organization)
    return list(mine.values_list("pk", flat=True))


def referral_visibility(user, prefix=""):
    """Q object for the referrals ``user`` may see; ``prefix`` lets related models reuse it."""
    p = prefix

    def q(**kw):
        return Q(**{f"{p}{k}": v for k, v in kw.items()})

    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_administrator:
        return Q()
    org = user.organization
    if user.role == user.Role.INTEGRATION:
        return q(created_by=user)
    if org is None:
        return Q(pk__in=[])
    if user.is_officer:
        if not settings.OFFICERS_SEE_STATION_REFERRALS:
            return q(referring_officer=user)
        # The officer's own referrals are almost always their station's; read the few filed at another
        # station first, so the usual condition is the station alone, which its (station, filed_at)
        # index answers in order (an OR of two columns is a scan of the whole list).
        elsewhere = request_cache.remember(
            ("referrals filed elsewhere", user.pk, org.pk), lambda: filed_elsewhere(user)
        )
        rule = q(referring_station=org)
        return rule | Q(**{f"{p}pk__in": elsewhere}) if elsewhere else rule
    if user.is_intake_coordinator:
        return q(district_id=org.district_id) if org.district_id else Q(pk__in=[])
    if user.is_supervisor:
        # The subtree's ids by subquery, not a join on the organisation's path: the referral's own
        # columns stay in the condition, so a list ordered by filing date walks its index.
        subtree = Organization.objects.filter(path__startswith=org.path).values("pk")
        return q(team_id__in=subtree) | q(referring_station_id__in=subtree)
    if user.is_social_worker:
        # Assigned workers are members of the referral's team; one who moves team loses the old team's cases.
        rule = q(team=org)
        # Object grants are rare; read them first so a worker without any gets the plain team
        # condition, which the (team, filed_at) index answers in order (an OR with a subquery is a
        # full scan). By id, not a join: no duplicate rows.
        granted = request_cache.remember(grants_key(user), lambda: granted_referral_ids(user))
        return rule | Q(**{f"{p}pk__in": granted}) if granted else rule
    return Q(pk__in=[])


class ReferralQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        return self.filter(referral_visibility(user))

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class HouseholdQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        visible = Referral.objects.visible_to(user).filter(household_id__isnull=False).values("household_id")
        return self.filter(pk__in=visible)


class PersonQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        visible = Referral.objects.visible_to(user).values("pk")
        return self.filter(Q(referral_links__referral__in=visible) | Q(household__referrals__in=visible)).distinct()


@pghistory.track(pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Household(models.Model):
    label = models.CharField(_("household name"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    address_key = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    district = models.ForeignKey(District, verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self):
        return self.label or _("Household %(id)s") % {"id": self.pk}

    def save(self, *args, **kwargs):
        self.address_key = normalise_address(self.address)
        super().save(*args, **kwargs)


@pghistory.track(pghistory.UpdateEvent(), pghistory.DeleteEvent(), exclude=["id_number"])
class Person(models.Model):
    household = models.ForeignKey(
        Household, verbose_name=_("household"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    name = models.CharField(_("name"), max_length=100)
    name_key = models.CharField(max_length=100, db_index=True, editable=False)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    estimated_age = models.PositiveSmallIntegerField(_("estimated age"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    phone_key = models.CharField(max_length=30, blank=True, db_index=True, editable=False)
    id_number = EncryptedCharField(_("ID number"), max_length=20, blank=True, null=True)
    id_number_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    address = models.CharField(_("address"), max_length=255, blank=True)
    address_key = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [models.Index(fields=["name_key", "date_of_birth"])]

    def __str__(self):
        return self.name

    @property
    def masked_name(self):
        """Name with the middle hidden, for matches outside the viewer's own cases."""
        name = self.name.strip()
        if len(name) <= 1:
            return "○"
        if len(name) == 2:
            return name[0] + "○"
        return name[0] + "○" * (len(name) - 2) + name[-1]

    def save(self, *args, **kwargs):
        self.name_key = normalise_name(self.name)
        self.phone_key = normalise_phone(self.phone)
        self.address_key = normalise_address(self.address)
        self.id_number_key = id_number_hash(self.id_number)
        super().save(*args, **kwargs)


@pghistory.track(
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="ReferralHistory",
    obj_field=pghistory.ObjForeignKey(related_name="history"),
)
class Referral(ChoiceDisplay, models.Model):
    class Origin(models.TextChoices):
        INCIDENT = "incident", _("Police incident")
        PATROL_VISIT = "patrol_visit", _("Community policing visit")
        DISPATCH = "dispatch", _("110 dispatch system")

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    level = models.PositiveSmallIntegerField(_("triage level"), choices=Level.choices)
    level_confirmed = models.BooleanField(_("level confirmed by the team"), default=False)
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices, default=Origin.INCIDENT)
    origin_reference = models.CharField(_("origin reference"), max_length=60, blank=True)

    call_number = models.CharField(_("110 call number"), max_length=30, blank=True)
    incident_at = models.DateTimeField(_("incident date and time"))
    incident_place = models.CharField(_("incident place"), max_length=255, blank=True)
    narrative = models.TextField(_("narrative"), max_length=NARRATIVE_MAX)
    consent = models.CharField(_("consent"), max_length=20, choices=Consent.choices, default=Consent.GIVEN)
    consent_note = models.CharField(_("consent note"), max_length=500, blank=True)
    known_risks = models.JSONField(_("known risks"), default=list, blank=True)
    risk_note = models.CharField(_("risk details"), max_length=500, blank=True)

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    linked_to = models.ForeignKey(
        "self",
        verbose_name=_("linked referral"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="linked",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    referring_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("referring officer"),
        null=True,
        on_delete=models.PROTECT,
        related_name="referrals_filed",
    )
    referring_station = models.ForeignKey(
        Organization, verbose_name=_("referring station"), on_delete=models.PROTECT, related_name="referrals_sent"
    )
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="referrals"
    )
    team = models.ForeignKey(
        Organization,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_received",
    )
    assigned_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned worker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="caseload",
    )
    needs_reassignment = models.BooleanField(_("needs reassignment"), default=False)
    after_hours = models.BooleanField(_("filed outside team hours"), default=False)

    filed_at = models.DateTimeField(_("filed at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last update"), default=timezone.now, editable=False)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True, editable=False)
    first_contact_at = models.DateTimeField(_("first contact at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)

    # SLA timer: acknowledge by ack_due_at; escalate_at is the next escalation step.
    sla_cycle = models.PositiveSmallIntegerField(default=1)
    ack_due_at = models.DateTimeField(_("acknowledge by"), null=True, blank=True, editable=False)
    escalate_at = models.DateTimeField(null=True, blank=True, editable=False)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)

    decline_reason = models.CharField(_("decline reason"), max_length=30, choices=DeclineReason.choices, blank=True)
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices, blank=True)
    outcome_summary = models.TextField(_("shareable outcome summary"), max_length=2000, blank=True)
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)
    # Returned to the referrer: what the team needs, and the SLA time left when the clock paused.
    returned_for = models.CharField(_("information needed"), max_length=1000, blank=True)
    sla_remaining = models.DurationField(null=True, blank=True)
    failure_reason = models.CharField(
        _("why it could not be served"), max_length=20, choices=FailureReason.choices, blank=True
    )

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-filed_at", "-id"]
        permissions = [("share_referral", _("Can share a referral with another worker"))]
        constraints = [
            models.CheckConstraint(condition=Q(level__in=[1, 2, 3]), name="referral_level_1_to_3"),
            models.CheckConstraint(
                condition=~Q(status__in=["accepted", "in_progress"]) | Q(assigned_worker__isnull=False),
                name="referral_accepted_has_worker",
            ),
            models.CheckConstraint(condition=~Q(status="closed") | ~Q(outcome=""), name="referral_closed_has_outcome"),
        ]
        indexes = [
            # Triage queue: open referrals of a team by level then due time.
            models.Index(
                fields=["team", "level", "ack_due_at", "id"],
                condition=Q(status__in=["submitted", "acknowledged", "accepted", "in_progress", "returned"]),
                name="referral_open_queue_idx",
            ),
            # Lists newest first (the referral list, the API): everyone's, a team's.
            models.Index(fields=["-filed_at", "-id"], name="referral_filed_idx"),
            models.Index(fields=["team", "-filed_at", "-id"], name="referral_team_filed_idx"),
            models.Index(fields=["referring_station", "-filed_at", "-id"], name="referral_station_filed_idx"),
            # Covers the officer's referrals filed at another station (the visibility rule's first read).
            models.Index(fields=["referring_officer", "referring_station"], name="referral_officer_station_idx"),
            models.Index(fields=["referring_officer", "-updated_at"], name="referral_officer_idx"),
            models.Index(fields=["referring_station", "-updated_at"], name="referral_station_idx"),
            models.Index(
                fields=["assigned_worker", "status"],
                condition=Q(status__in=["accepted", "in_progress"]),
                name="referral_caseload_idx",
            ),
            models.Index(
                fields=["escalate_at"], condition=Q(escalate_at__isnull=False), name="referral_escalation_due_idx"
            ),
            models.Index(
                fields=["district", "filed_at"],
                condition=Q(team__isnull=True, status="submitted"),
                name="referral_intake_idx",
            ),
            models.Index(fields=["household", "filed_at"], name="referral_household_idx"),
            # The summary's refresh: referrals changed since (a period's filings use referral_filed_idx).
            models.Index(fields=["updated_at"], name="referral_updated_idx"),
            # Deadlines passed in a period; those still waiting for acknowledgement (overdue now).
            models.Index(fields=["ack_due_at"], name="referral_ack_due_idx"),
            models.Index(fields=["ack_due_at"], condition=Q(status="submitted"), name="referral_awaiting_ack_idx"),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def awaiting_acknowledgement(self):
        return self.status in AWAITING_ACK

    @property
    def re_referred_to(self):
        return self.referred_to if self.status == Status.RE_REFERRED else ""

    @property
    def status_code(self):
        """The public sector's code for the status (see STATUS_CODES)."""
        return STATUS_CODES[self.status][0]

    @property
    def is_overdue(self):
        return self.status in AWAITING_ACK and self.ack_due_at is not None and self.ack_due_at < timezone.now()

    @property
    def outcome_next_step(self):
        return OUTCOME_NEXT_STEP.get(self.outcome, "")

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("referrals:detail", args=[self.pk])


class ReferralPerson(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="person_links")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referral_links")
    role = models.CharField(_("role"), max_length=20, choices=PersonRole.choices)

    class Meta:
        verbose_name = _("person in a referral")
        verbose_name_plural = _("persons in referrals")
        constraints = [
            models.UniqueConstraint(fields=["referral", "person", "role"], name="referral_person_role_unique")
        ]

    def __str__(self):
        return f"{self.referral_id} {self.role} {self.person_id}"


class ReferralUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key grants (guardian's fast path) for sharing one referral with a worker."""

    content_object = models.ForeignKey(Referral, on_delete=models.CASCADE)


class ReferralGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Referral, on_delete=models.CASCADE)
