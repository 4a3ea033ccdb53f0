"""What the referrals app plugs into the project: timers, navigation, signals."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from accounts import drafts, navigation, timers
from accounts.models import User
from referrals import retention, services  # noqa: F401 - retention registers the referral record type
from referrals.models import Referral

R = User.Role


@timers.register("referral_escalations", oldest_overdue=services.oldest_unfired_escalation)
def sweep_referral_escalations(now):
    return services.sweep_escalations(now)


# Drafts kept on the server: the filing form, and a case note per referral the user sees.
drafts.register("referral-file", lambda user, _pk: user.is_administrator or user.role == R.OFFICER)
drafts.register("note", lambda user, pk: Referral.objects.visible_to(user).filter(pk=pk).exists(), with_id=True)

navigation.register(_("File a referral"), "referrals:file", roles=[R.OFFICER], order=10)
navigation.register(_("My referrals"), "referrals:mine", roles=[R.OFFICER], order=11)
navigation.register(
    _("Triage queue"), "referrals:queue", roles=[R.SOCIAL_WORKER, R.SUPERVISOR], order=10, social_work_only=True
)
navigation.register(_("My caseload"), "referrals:caseload", roles=[R.SOCIAL_WORKER], order=11)
navigation.register(_("Intake queue"), "referrals:intake", roles=[R.INTAKE_COORDINATOR], order=10)
navigation.register(
    _("Escalations"),
    "referrals:escalations",
    roles=[R.SUPERVISOR, R.INTAKE_COORDINATOR],
    order=12,
    social_work_only=True,
)
navigation.register(_("Approvals"), "approvals", roles=[R.SUPERVISOR], order=13, social_work_only=True)
navigation.register(_("Search referrals"), "referrals:search", order=40)


@receiver(pre_save, sender=User, dispatch_uid="referrals_remember_organization")
def _remember_organization(sender, instance, update_fields=None, **kwargs):
    if instance.pk and (update_fields is None or "organization" in update_fields):
        before = User.objects.filter(pk=instance.pk).values_list("organization_id", flat=True).first()
        instance._organization_before = before


@receiver(post_save, sender=User, dispatch_uid="referrals_flag_departed_worker")
def _flag_cases_of_departed_worker(sender, instance, created=False, **kwargs):
    # No case is left without an owner: a deactivated worker's cases go to the supervisor.
    if not instance.is_active and instance.role == R.SOCIAL_WORKER:
        services.flag_departed_worker(instance)
    before = getattr(instance, "_organization_before", instance.organization_id)
    if not created and before != instance.organization_id:
        services.worker_moved(instance)
    instance._organization_before = instance.organization_id
