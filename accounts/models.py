"""Users, the organisation tree, districts, rosters, notifications, access log."""

import zoneinfo
from datetime import time

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.visibility import VisibleQuerySet


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


class UserQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_administrator:
            return self
        return (
            self.filter(organization__path__startswith=user.organization.path)
            if user.organization_id
            else self.filter(pk=user.pk)
        )


class AccountManager(UserManager.from_queryset(UserQuerySet)):
    pass


@pghistory.track(
    pghistory.UpdateEvent(
        "role_or_access_changed", condition=pghistory.AnyChange("role", "organization", "is_active", "is_superuser")
    ),
    fields=["role", "organization", "is_active", "is_superuser"],
    model_name="UserAccessEvent",
)
class User(AbstractUser):
    class Role(models.TextChoices):
        OFFICER = "officer", _("Police officer")
        SOCIAL_WORKER = "social_worker", _("Social worker")
        INTAKE_COORDINATOR = "intake_coordinator", _("Intake coordinator")
        SUPERVISOR = "supervisor", _("Supervisor")
        ADMINISTRATOR = "administrator", _("Administrator")
        INTEGRATION = "integration", _("Integration client")

    class Language(models.TextChoices):
        ZH_HANT = "zh-hant", _("Traditional Chinese")
        EN = "en", _("English")

    role = models.CharField(_("role"), max_length=30, choices=Role.choices, default=Role.OFFICER)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANT)

    objects = AccountManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_officer(self):
        return self.role == self.Role.OFFICER

    @property
    def is_social_worker(self):
        return self.role == self.Role.SOCIAL_WORKER

    @property
    def is_intake_coordinator(self):
        return self.role == self.Role.INTAKE_COORDINATOR

    @property
    def is_supervisor(self):
        return self.role == self.Role.SUPERVISOR

    @property
    def is_administrator(self):
        return self.role == self.Role.ADMINISTRATOR or self.is_superuser

    @property
    def is_police(self):
        """Police side: officers, and supervisors (station heads) of police units."""
        if self.is_officer:
            return True
        return bool(self.organization_id and self.organization.is_police and not self.is_administrator)

    @property
    def is_integration(self):
        return self.role == self.Role.INTEGRATION

    @property
    def reads_shared_view(self):
        """Police and dispatch systems read a referral's shared view only: no internal notes, events or safety data."""
        return self.is_police or self.is_integration

    def clean(self):
        super().clean()
        needs_org = self.role not in (self.Role.ADMINISTRATOR, self.Role.INTEGRATION) and not self.is_superuser
        if needs_org and not self.organization_id:
            raise ValidationError({"organization": _("This role needs an organisation.")})
        if self.role == self.Role.OFFICER and self.organization_id and not self.organization.is_police:
            raise ValidationError({"organization": _("A police officer belongs to a police unit.")})
        if self.role == self.Role.SOCIAL_WORKER and self.organization_id and self.organization.is_police:
            raise ValidationError({"organization": _("A social worker belongs to a social-work team or agency.")})


class OnCallShiftQuerySet(models.QuerySet):
    def covering(self, at):
        """Shifts that cover the instant ``at`` (start inclusive, end exclusive)."""
        return self.filter(starts_at__lte=at, ends_at__gt=at)


class OnCallShift(models.Model):
    """One worker on call for one team between two instants (may cross midnight)."""

    team = models.ForeignKey(
        Organization,
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        related_name="on_call_shifts",
        limit_choices_to={"kind": Organization.Kind.TEAM},
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("worker"), on_delete=models.CASCADE, related_name="on_call_shifts"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    objects = OnCallShiftQuerySet.as_manager()

    class Meta:
        verbose_name = _("on-call shift")
        verbose_name_plural = _("on-call shifts")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="oncall_ends_after_start"),
        ]
        indexes = [models.Index(fields=["team", "starts_at", "ends_at"])]

    def __str__(self):
        return f"{self.team} · {self.worker} · {self.starts_at:%Y-%m-%d %H:%M}"

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The shift must end after it starts.")})
        if self.team_id and not self.team.is_team:
            raise ValidationError({"team": _("Choose a social work team.")})


class NotificationQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One inbox entry; also the outbox row for its e-mail (delivered at least once)."""

    class EmailState(models.TextChoices):
        NONE = "none", _("No e-mail")
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=50)
    # Minimum detail only: a reference and a status, never names or narratives.
    title = models.CharField(_("title"), max_length=200)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_state = models.CharField(max_length=10, choices=EmailState.choices, default=EmailState.NONE)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
            models.Index(fields=["created_at"], condition=Q(email_state="pending"), name="notification_outbox_idx"),
        ]

    def __str__(self):
        return self.title


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The access log is append-only.")

    def delete(self):
        raise PermissionError("The access log is append-only.")


class AccessLog(models.Model):
    """Who viewed or exported which record, when, from where. Never changed."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        EXPORT = "export", _("Exported")
        SEARCH = "search", _("Searched")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("record type"), max_length=60)
    object_id = models.CharField(_("record"), max_length=64, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"])]
        triggers = [
            pgtrigger.Protect(name="access_log_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only.")


class TimerRun(models.Model):
    """Last run of each timer sweep, for the health page."""

    name = models.CharField(max_length=60, unique=True)
    last_started_at = models.DateTimeField(null=True)
    last_finished_at = models.DateTimeField(null=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("timer sweep")
        verbose_name_plural = _("timer sweeps")

    def __str__(self):
        return self.name


class AgreementQuerySet(models.QuerySet):
    def current_for(self, user):
        """The agreement in force for ``user``: the newest one of their organisation or an organisation
        above it, else the newest system-wide one. None when there is none."""
        org = user.organization
        scope = Q(organization__isnull=True)
        if org is not None:
            ancestors = [int(part) for part in org.path.strip("/").split("/") if part.isdigit()] or [org.pk]
            scope |= Q(organization__in=ancestors)
        in_force = self.filter(scope, effective_from__lte=timezone.now())
        # Nearest organisation first (longest path), then the newest version.
        return (
            in_force.annotate(
                depth=models.functions.Length(models.functions.Coalesce("organization__path", models.Value("")))
            )
            .order_by("-depth", "-effective_from", "-pk")
            .first()
        )


class Agreement(models.Model):
    """Terms of use / information-sharing agreement of an agency (or of the whole system).

    A new version is a new row; users accept the version in force before they go on working."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Leave empty for the whole system; an organisation's agreement applies to everything below it."),
    )
    title = models.CharField(_("title"), max_length=200)
    version = models.CharField(_("version"), max_length=20)
    text = models.TextField(_("text"), max_length=20000)
    effective_from = models.DateTimeField(_("in force from"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("information-sharing agreement")
        verbose_name_plural = _("information-sharing agreements")
        ordering = ["-effective_from", "-pk"]
        constraints = [models.UniqueConstraint(fields=["organization", "version"], name="agreement_version_unique")]

    def __str__(self):
        return f"{self.title} ({self.version})"

    def save(self, *args, **kwargs):
        from django.db import transaction

        from accounts.services import agreements_changed

        super().save(*args, **kwargs)
        transaction.on_commit(agreements_changed)


class AgreementAcceptance(models.Model):
    """Who accepted which agreement version, when and from where. Never changed."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="acceptances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement acceptance")
        verbose_name_plural = _("agreement acceptances")
        constraints = [models.UniqueConstraint(fields=["agreement", "user"], name="agreement_accepted_once")]

    def __str__(self):
        return f"{self.user} · {self.agreement} · {self.accepted_at:%Y-%m-%d %H:%M}"


class WebhookSubscription(models.Model):
    """An organisation's system that wants to hear of referral status changes (references and statuses only)."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        help_text=_("Changes of referrals filed by or sent to this organisation or any unit below it are sent."),
    )
    url = models.URLField(_("address"), max_length=500, validators=[URLValidator(schemes=["https", "http"])])
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self):
        return f"{self.organization} → {self.url}"

    def save(self, *args, **kwargs):
        if not self.secret:
            import secrets

            self.secret = secrets.token_urlsafe(32)
        super().save(*args, **kwargs)


class WebhookDelivery(models.Model):
    """One message to one subscription; retried with growing pauses until delivered or given up."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DELIVERED = "delivered", _("Delivered")
        GAVE_UP = "gave_up", _("Given up")

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=60)
    reference = models.CharField(_("reference"), max_length=30)
    payload = models.JSONField(_("payload"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last answer"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["next_attempt_at"], name="webhook_due_idx", condition=Q(state="pending"))]

    def __str__(self):
        return f"{self.event} {self.reference} → {self.subscription.url}"


class RetentionRule(models.Model):
    """How long one type of record is kept after it is finished (overrides the settings default)."""

    record_type = models.CharField(_("record type"), max_length=40, unique=True)
    keep_days = models.PositiveIntegerField(_("keep for (days)"))
    note = models.CharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")

    def __str__(self):
        return f"{self.record_type}: {self.keep_days}"


class LegalHold(models.Model):
    """Stops the retention schedule for one record (a court order, a complaint, an inquiry)."""

    record_type = models.CharField(_("record type"), max_length=40)
    record_key = models.CharField(
        _("record"), max_length=64, help_text=_("The reference, or the number of the record.")
    )
    reason = models.CharField(_("reason"), max_length=300)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("placed by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        indexes = [models.Index(fields=["record_type", "record_key"])]

    def __str__(self):
        return f"{self.record_type} {self.record_key}"


class RetentionRun(models.Model):
    """What one run of the retention schedule removed: counts per record type, never content."""

    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    report = models.JSONField(_("report"), default=dict)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M}"


class Approval(models.Model):
    """A decision a worker asked a supervisor to approve (declining a referral, closing it with certain
    outcomes, removing a risk flag). Approving carries it out; rejecting leaves things as they were."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    kind = models.CharField(_("decision"), max_length=40)
    object_id = models.PositiveBigIntegerField()
    label = models.CharField(_("record"), max_length=100)
    unit = models.ForeignKey(
        Organization, verbose_name=_("team"), on_delete=models.PROTECT, related_name="+", null=True
    )
    payload = models.JSONField(default=dict)
    summary = models.CharField(_("what is asked"), max_length=300)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["requested_at", "pk"]
        indexes = [models.Index(fields=["state", "unit"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"], condition=Q(state="pending"), name="one_pending_approval_per_record"
            )
        ]

    def __str__(self):
        return f"{self.summary} · {self.get_state_display()}"


from accounts.sms.models import SmsMessage  # noqa: E402,F401 - the SMS outbox, in a module of its own
