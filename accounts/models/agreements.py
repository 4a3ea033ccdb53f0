"""Information-sharing agreements and who accepted which version."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models.organisation import Organization
from accounts.models.records import AppendOnlyQuerySet


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


class AgreementAcceptance(models.Model):
    """Who accepted which agreement version, when and from where. Never changed."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="acceptances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now, editable=False)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement acceptance")
        verbose_name_plural = _("agreement acceptances")
        constraints = [models.UniqueConstraint(fields=["agreement", "user"], name="agreement_accepted_once")]

    def __str__(self):
        return f"{self.user} · {self.agreement} · {self.accepted_at:%Y-%m-%d %H:%M}"
