"""What the referrals app plugs into the project: timers, navigation, demo data, retention, approvals,
the household timeline; and the signals that keep cases owned when a worker leaves or moves."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from accounts import approvals, drafts, hooks, retention, timers
from accounts.demo import Summary
from accounts.models import User
from accounts.navigation import item
from referrals import demo, household, services
from referrals.models import Referral
from referrals.services import lifecycle
from referrals.services import retention as referral_retention

R = User.Role


def sweep_referral_escalations(now):
    return services.sweep_escalations(now=now)


hooks.register(
    hooks.TIMERS, timers.Sweep("referral_escalations", sweep_referral_escalations, services.oldest_unfired_escalation)
)

for nav in (
    item(_("File a referral"), "referrals:file", roles=[R.OFFICER], order=10),
    item(_("My referrals"), "referrals:mine", roles=[R.OFFICER], order=11),
    item(_("Triage queue"), "referrals:queue", roles=[R.SOCIAL_WORKER, R.SUPERVISOR], order=10, social_work_only=True),
    item(_("My caseload"), "referrals:caseload", roles=[R.SOCIAL_WORKER], order=11),
    item(_("Intake queue"), "referrals:intake", roles=[R.INTAKE_COORDINATOR], order=10),
    item(
        _("Escalations"),
        "referrals:escalations",
        roles=[R.SUPERVISOR, R.INTAKE_COORDINATOR],
        order=12,
        social_work_only=True,
    ),
    item(_("Approvals"), "approvals", roles=[R.SUPERVISOR], order=13, social_work_only=True),
    item(_("Search referrals"), "referrals:search", order=40),
):
    hooks.register(hooks.NAVIGATION, nav)

# Drafts kept on the server: the filing form, and a case note per referral the user sees.
hooks.register(
    hooks.DRAFTS, drafts.Kind("referral-file", lambda user, _pk: user.is_administrator or user.role == R.OFFICER)
)
hooks.register(
    hooks.DRAFTS,
    drafts.Kind("note", lambda user, pk: Referral.objects.visible_to(user).filter(pk=pk).exists(), with_id=True),
)

hooks.register(hooks.DEMO_DATA, demo.matching_and_policies, order=30)
hooks.register(hooks.DEMO_DATA, demo.referral_history, order=40)
hooks.register(hooks.DEMO_SUMMARY, Summary("Referrals", demo.count_referrals), order=20)
hooks.register(hooks.DEMO_SUMMARY, Summary("Overdue / escalated referrals", demo.count_overdue), order=21)
hooks.register(hooks.DEMO_SUMMARY, Summary("Transferred / redirected referrals", demo.count_moves), order=22)
hooks.register(hooks.DEMO_SUMMARY, Summary("Households (with repeat referrals)", demo.count_households), order=23)
hooks.register(hooks.DEMO_SUMMARY, Summary("Persons", demo.count_persons), order=24)

hooks.register(hooks.HOUSEHOLD_TIMELINE, household.referral_entries, order=10)

hooks.register(
    hooks.RETENTION,
    retention.RecordType(
        "referral",
        _("finished referrals"),
        7 * 365,
        referral_retention.expired,
        referral_retention.anonymise,
        key_field="reference",
    ),
)

for name, carry_out in (
    ("referral.decline", lifecycle._carry_out_decline),
    ("referral.close", lifecycle._carry_out_close),
):
    kind = approvals.Kind(name, lifecycle._locked_referral, carry_out, lifecycle._record_decision)
    hooks.register(hooks.APPROVALS, kind)


@receiver(pre_save, sender=User, dispatch_uid="referrals_remember_organization")
def _remember_organization(sender, instance, update_fields=None, **kwargs):
    if instance.pk and (update_fields is None or "organization" in update_fields):
        before = User.objects.filter(pk=instance.pk).values_list("organization_id", flat=True).first()
        instance._organization_before = before


@receiver(post_save, sender=User, dispatch_uid="referrals_flag_departed_worker")
def _flag_cases_of_departed_worker(sender, instance, created=False, **kwargs):
    # No case is left without an owner: a deactivated worker's cases go to the supervisor.
    if not instance.is_active and instance.role == R.SOCIAL_WORKER:
        services.flag_departed_worker(worker=instance)
    before = getattr(instance, "_organization_before", instance.organization_id)
    if not created and before != instance.organization_id:
        services.worker_moved(worker=instance)
    instance._organization_before = instance.organization_id
