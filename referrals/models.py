"""Households, persons, referrals and everything that happens to a referral."""

import hashlib
import hmac
import re
import unicodedata

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.crypto import EncryptedCharField
from accounts.models import District, Organization
from accounts.querysets import VisibleQuerySet

NARRATIVE_MAX = 4000


# --- normalisation used for matching and exact search -------------------------
def normalise_phone(value):
    digits = re.sub(r"\D", "", value or "")
    if digits.startswith("886") and len(digits) > 9:
        digits = "0" + digits[3:]
    if digits.startswith("852") and len(digits) == 11:
        digits = digits[3:]
    return digits


_ADDRESS_NOISE = re.compile(r"[\s,，.。、\-－—/／()（）#]+")


def normalise_address(value):
    """Fold width, case, spacing and punctuation, and unify 台/臺 so the same place matches."""
    text = unicodedata.normalize("NFKC", value or "").lower().replace("臺", "台")
    return _ADDRESS_NOISE.sub("", text)


def normalise_name(value):
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).lower()


def id_number_hash(value):
    """Keyed hash of a national ID number: exact search without storing it in clear."""
    cleaned = re.sub(r"[\s-]", "", (value or "")).upper()
    if not cleaned:
        return ""
    return hmac.new(settings.SEARCH_HASH_KEY.encode(), cleaned.encode(), hashlib.sha256).hexdigest()


# --- choices ------------------------------------------------------------------
class Category(models.TextChoices):
    JUVENILE = "juvenile", _("Juvenile / at-risk youth")
    FAMILY_CONFLICT = "family_conflict", _("Family conflict")
    DOMESTIC_VIOLENCE = "domestic_violence", _("Domestic violence")
    CHILD_PROTECTION = "child_protection", _("Child protection concern")
    MENTAL_HEALTH = "mental_health", _("Mental health crisis")
    SUICIDE_RISK = "suicide_risk", _("Suicide risk")
    ELDERLY = "elderly", _("Elderly or dementia")
    DISPUTE = "dispute", _("Neighbour / rental / consumer dispute")
    SUBSTANCE_USE = "substance_use", _("Substance use")
    VULNERABLE_FAMILY = "vulnerable_family", _("Vulnerable family")
    APPROPRIATE_ADULT = "appropriate_adult", _("Appropriate adult needed")
    OFFICER_WELLBEING = "officer_wellbeing", _("Officer wellbeing")
    OTHER = "other", _("Other")


class Level(models.IntegerChoices):
    IMMEDIATE = 1, _("1 Immediate: danger now, child or DV at risk, appropriate adult needed")
    URGENT = 2, _("2 Urgent: needs contact soon")
    ROUTINE = 3, _("3 Routine: support, mediation, advice")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    DECLINED = "declined", _("Declined")
    RETURNED = "returned", _("Returned for more information")
    RE_REFERRED = "re_referred", _("Re-referred elsewhere")
    FAILED = "failed", _("Could not be served")


class FailureReason(models.TextChoices):
    UNREACHABLE = "unreachable", _("Could not be reached")
    REFUSED = "refused", _("Refused the service")


# Waiting on the police counts as open: the referral is not finished and keeps its place.
OPEN_STATUSES = (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.ACCEPTED, Status.IN_PROGRESS, Status.RETURNED)
# The public sector's referral status codes (Taiwan social-safety-net FHIR guide), for the API,
# exports and FHIR: 等待中 waiting, 受案 accepted, 不受案 not accepted, 退回 returned, 再轉 re-referred,
# 完成 completed, 失敗 failed; a referral withdrawn by the police is 撤回 withdrawn.
STATUS_CODES = {
    Status.SUBMITTED: ("waiting", "等待中"),
    Status.ACKNOWLEDGED: ("waiting", "等待中"),
    Status.ACCEPTED: ("accepted", "受案"),
    Status.IN_PROGRESS: ("accepted", "受案"),
    Status.CLOSED: ("completed", "完成"),
    Status.DECLINED: ("not-accepted", "不受案"),
    Status.CANCELLED: ("withdrawn", "撤回"),
    Status.RETURNED: ("returned", "退回"),
    Status.RE_REFERRED: ("re-referred", "再轉"),
    Status.FAILED: ("failed", "失敗"),
}
AWAITING_ACK = (Status.SUBMITTED,)


class Consent(models.TextChoices):
    GIVEN = "given", _("Given")
    REFUSED = "refused", _("Refused")
    NOT_POSSIBLE = "not_possible", _("Not possible to ask")


class KnownRisk(models.TextChoices):
    WEAPONS = "weapons", _("Weapons")
    VIOLENCE = "violence", _("Violence")
    THREATS = "threats", _("Threats")
    ANIMALS = "animals", _("Dangerous animals")
    SUBSTANCES = "substances", _("Drugs or alcohol")
    SELF_HARM = "self_harm", _("Self-harm")
    INFECTION = "infection", _("Infectious disease")
    OTHER = "other", _("Other")


class DeclineReason(models.TextChoices):
    NOT_IN_REMIT = "not_in_remit", _("Not within the service's remit")
    INSUFFICIENT_INFORMATION = "insufficient_information", _("Not enough information to act")
    ALREADY_SERVED = "already_served", _("Already served by another agency")
    OUTSIDE_AREA = "outside_area", _("Outside the service area")
    NO_CAPACITY = "no_capacity", _("No capacity")
    DUPLICATE = "duplicate", _("Duplicate of another referral")
    OTHER = "other", _("Other")


class Outcome(models.TextChoices):
    GOT_HELP = "got_help", _("Got help / service plan agreed")
    MEDIATED = "mediated", _("Mediated and resolved")
    REFERRED_ON = "referred_on", _("Referred on elsewhere")
    COULD_NOT_CONTACT = "could_not_contact", _("Could not contact")
    DECLINED_SERVICE = "declined_service", _("Declined service")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    NO_CAPACITY = "no_capacity", _("No capacity")
    MOVED_AWAY = "moved_away", _("Moved away")


# What the referring officer may do next, per outcome (closed-loop referral practice).
OUTCOME_NEXT_STEP = {
    Outcome.GOT_HELP: _("No action needed. The family is receiving services."),
    Outcome.MEDIATED: _("No action needed. Call again if the conflict returns."),
    Outcome.REFERRED_ON: _("The case continues with the service named in the outcome."),
    Outcome.COULD_NOT_CONTACT: _("If you have new contact details, share them in a note or file a new referral."),
    Outcome.DECLINED_SERVICE: _("The person declined help. Refer again if the risk increases."),
    Outcome.NOT_ELIGIBLE: _("Consider another service; the outcome summary explains why."),
    Outcome.NO_CAPACITY: _("Contact the intake coordinator to route the case to another team."),
    Outcome.MOVED_AWAY: _("If you learn the new address, notify the station there or file a new referral."),
}


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class PersonRole(models.TextChoices):
    SUBJECT = "subject", _("Subject")
    VICTIM = "victim", _("Victim")
    ALLEGED_OFFENDER = "alleged_offender", _("Alleged offender")
    GUARDIAN = "guardian", _("Guardian")
    CHILD = "child", _("Child")
    REPORTER = "reporter", _("Reporter")


# --- visibility -------------------------------------------------------------------
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
        rule = q(referring_officer=user)
        if settings.OFFICERS_SEE_STATION_REFERRALS:
            rule |= q(referring_station=org)
        return rule
    if user.is_intake_coordinator:
        return q(district_id=org.district_id) if org.district_id else Q(pk__in=[])
    if user.is_supervisor:
        return q(team__path__startswith=org.path) | q(referring_station__path__startswith=org.path)
    if user.is_social_worker:
        # Object grants by subquery, not a join: no duplicate rows, no DISTINCT over wide rows.
        granted = ReferralUserObjectPermission.objects.filter(user=user).values("content_object_id")
        # Assigned workers are members of the referral's team; one who moves team loses the old team's cases.
        return q(team=org) | Q(**{f"{p}pk__in": granted})
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


# --- records -----------------------------------------------------------------------
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
class Referral(models.Model):
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

    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    updated_at = models.DateTimeField(_("last update"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("first contact at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    # SLA timer: acknowledge by ack_due_at; escalate_at is the next escalation step.
    sla_cycle = models.PositiveSmallIntegerField(default=1)
    ack_due_at = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    escalate_at = models.DateTimeField(null=True, blank=True)
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
                fields=["team", "level", "ack_due_at"],
                condition=Q(status__in=["submitted", "acknowledged", "accepted", "in_progress"]),
                name="referral_open_queue_idx",
            ),
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


class EventQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        qs = self.filter(referral__in=Referral.objects.visible_to(user).values("pk"))
        return qs.filter(shared=True) if user.is_authenticated and user.reads_shared_view else qs

    def update(self, **kwargs):
        raise PermissionError("Referral events are append-only.")

    def delete(self):
        raise PermissionError("Referral events are append-only.")


class ReferralEvent(models.Model):
    """Immutable history of a referral: every status change, escalation and handover."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        DISPATCHED = "dispatched", _("Dispatched to a team")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ACCEPTED = "accepted", _("Accepted")
        ASSIGNED = "assigned", _("Worker assigned")
        FIRST_CONTACT = "first_contact", _("First contact made")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")
        DECLINED = "declined", _("Declined")
        REDIRECTED = "redirected", _("Redirected")
        TRANSFERRED = "transferred", _("Transferred")
        LEVEL_CHANGED = "level_changed", _("Triage level confirmed")
        ESCALATED = "escalated", _("Escalated")
        ESCALATION_ACKNOWLEDGED = "escalation_acknowledged", _("Escalation acknowledged")
        ON_CALL_ALERTED = "on_call_alerted", _("On-call worker alerted")
        NEEDS_REASSIGNMENT = "needs_reassignment", _("Needs reassignment")
        LINKED = "linked", _("Linked to another referral")
        LINK_REQUESTED = "link_requested", _("Possible match sent to the intake desk")
        LINK_REJECTED = "link_rejected", _("Possible match checked: not the same household")
        HANDOVER_NOTE = "handover_note", _("Handover note (social work only)")
        REMATCHED = "rematched", _("Moved to the newly matched team")
        RETURNED = "returned", _("Returned to the referrer for more information")
        RESUBMITTED = "resubmitted", _("Resubmitted with more information")
        RE_REFERRED = "re_referred", _("Re-referred to another agency")
        FAILED = "failed", _("Could not be served")
        APPROVAL_REQUESTED = "approval_requested", _("Supervisor's approval requested")
        APPROVED = "approved", _("Approved by a supervisor")
        APPROVAL_REJECTED = "approval_rejected", _("Not approved by a supervisor")

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Shared events are shown to the referring police; internal ones only to social work.
    shared = models.BooleanField(default=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["referral", "at"])]
        triggers = [pgtrigger.Protect(name="referral_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self):
        return f"{self.referral_id} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Referral events are append-only.")
        super().save(*args, **kwargs)


class NoteQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        qs = self.filter(referral__in=Referral.objects.visible_to(user).values("pk"))
        return (
            qs.filter(visibility=CaseNote.Visibility.SHARED) if user.is_authenticated and user.reads_shared_view else qs
        )


class CaseNote(models.Model):
    class Visibility(models.TextChoices):
        INTERNAL = "internal", _("Internal (social work only)")
        SHARED = "shared", _("Shared with the referring officer")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    text = models.TextField(_("note"), max_length=4000)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    objects = NoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["referral", "created_at"])]

    def __str__(self):
        return f"{self.referral_id} note {self.pk}"


class ReferralGap(models.TextChoices):
    """What a receiving team found missing in a referral: coded, so stations can learn from it."""

    CONTACT = "contact", _("Contact details missing or wrong")
    CONSENT = "consent", _("Consent not recorded")
    NARRATIVE = "narrative", _("Too little about what happened")
    RISK = "risk", _("Risks not stated")
    LEVEL = "level", _("Triage level did not fit")
    WRONG_SERVICE = "wrong_service", _("Not a matter for social work")
    ALREADY_SERVED = "already_served", _("Family already served")


class ReferralFeedback(models.Model):
    """The receiving team's view of a referral's quality, given on acceptance or decline, for the referrer."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="feedback")
    team = models.ForeignKey(Organization, verbose_name=_("team"), on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(
        Organization, verbose_name=_("referring station"), on_delete=models.PROTECT, related_name="+"
    )
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    appropriate = models.BooleanField(_("appropriate referral"))
    gaps = models.JSONField(_("what was missing"), default=list, blank=True)
    at = models.DateTimeField(_("given at"), default=timezone.now)

    class Meta:
        verbose_name = _("referral feedback")
        verbose_name_plural = _("referral feedback")
        constraints = [models.UniqueConstraint(fields=["referral", "team"], name="feedback_once_per_team")]
        indexes = [models.Index(fields=["station", "at"])]

    def __str__(self):
        return f"{self.referral} · {self.team}"

    def get_gaps_display(self):
        labels = dict(ReferralGap.choices)
        return [labels.get(code, code) for code in self.gaps]


class ReferralEscalation(models.Model):
    """One escalation step; the unique constraint makes each step fire exactly once."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="escalations")
    cycle = models.PositiveSmallIntegerField()
    level = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-fired_at"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "cycle", "level"], name="escalation_fires_once"),
        ]

    def __str__(self):
        return f"{self.referral_id} cycle {self.cycle} level {self.level}"


class LinkRequest(models.Model):
    """A filer asks to join a referral to a matching household they cannot see.

    Until the intake desk or the receiving team confirms it, the referral keeps its own household
    and only the persons the filer typed, so nothing of the other household reaches the filer.
    Decided once: confirmed (the referral joins the household) or rejected.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Not the same household")

    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="link_requests"
    )
    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+")
    # The household's most recent open referral when the request was made, if any.
    linked_to = models.ForeignKey(
        Referral, verbose_name=_("linked referral"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("household link request")
        verbose_name_plural = _("household link requests")
        ordering = ["requested_at", "id"]
        constraints = [models.UniqueConstraint(fields=["referral", "household"], name="link_request_once")]

    def __str__(self):
        return f"{self.referral_id} → household {self.household_id} ({self.state})"

    @property
    def is_pending(self):
        return self.state == self.State.PENDING


class SLAPolicy(models.Model):
    """How fast a referral must be acknowledged, per category (blank = any) and level."""

    class Unit(models.TextChoices):
        MINUTES = "minutes", _("minutes (24/7)")
        HOURS = "hours", _("hours (24/7)")
        BUSINESS_DAYS = "business_days", _("business days of the team's calendar")

    category = models.CharField(_("category"), max_length=30, choices=Category.choices, blank=True)
    level = models.PositiveSmallIntegerField(_("triage level"), choices=Level.choices)
    acknowledge_within = models.PositiveIntegerField(_("acknowledge within"))
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices, default=Unit.HOURS)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["level", "category"]
        constraints = [
            models.UniqueConstraint(fields=["category", "level"], name="sla_policy_unique"),
            models.CheckConstraint(condition=Q(acknowledge_within__gt=0), name="sla_policy_positive"),
        ]

    def __str__(self):
        return f"{self.get_level_display()} {self.get_category_display() or '*'}"


# Used when no policy row matches (DESIGN.md "Triage and SLA timers").
DEFAULT_SLA = {1: (60, SLAPolicy.Unit.MINUTES), 2: (24, SLAPolicy.Unit.HOURS), 3: (3, SLAPolicy.Unit.BUSINESS_DAYS)}


class StationTeamMatch(models.Model):
    """Which social-work team serves a police station, over a period of dates."""

    station = models.ForeignKey(
        Organization,
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        related_name="team_matches",
        limit_choices_to={"kind": Organization.Kind.STATION},
    )
    team = models.ForeignKey(
        Organization,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        related_name="station_matches",
        limit_choices_to={"kind": Organization.Kind.TEAM},
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("station–team match")
        verbose_name_plural = _("station–team matching")
        ordering = ["station", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")), name="match_dates_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.station} → {self.team}"


class IdempotencyKey(models.Model):
    """A retried API POST with the same key returns the first result."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    # SHA-256 of the normalised request body: the same key with another body is refused.
    request_hash = models.CharField(max_length=64, default="")
    # Empty only while the first request is still being processed (the key is claimed first).
    referral = models.ForeignKey(Referral, null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")]

    def __str__(self):
        return self.key


class ReferralUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key grants (guardian's fast path) for sharing one referral with a worker."""

    content_object = models.ForeignKey(Referral, on_delete=models.CASCADE)


class ReferralGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Referral, on_delete=models.CASCADE)
