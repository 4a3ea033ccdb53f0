"""Who may act on a referral: role × action × relation, in one table.

Relations say how a user stands to one referral. ``team`` and ``assigned`` hold only while the
user still belongs to the referral's team, so a worker who moves team loses the team's actions
at once; ``granted`` is a colleague the case was shared with.
"""

from django.utils.translation import gettext_lazy as _

from accounts.policy import ANY, Policy, contains, rule
from referrals.models import OPEN_STATUSES, ReferralUserObjectPermission, Status

RELATIONS = {
    # The officer who filed it, or the dispatch account that posted it.
    "filed": lambda u, r: (
        r.referring_officer_id == u.pk or (r.referring_officer_id is None and r.created_by_id == u.pk)
    ),
    "assigned": lambda u, r: r.assigned_worker_id == u.pk and r.team_id is not None and u.organization_id == r.team_id,
    "team": lambda u, r: r.team_id is not None and u.organization_id == r.team_id,
    "station": lambda u, r: u.organization_id is not None and u.organization_id == r.referring_station_id,
    "team_subtree": lambda u, r: r.team_id is not None and contains(u.organization, r.team),
    "station_subtree": lambda u, r: contains(u.organization, r.referring_station),
    "district": lambda u, r: u.organization_id is not None and u.organization.district_id == r.district_id,
    "granted": lambda u, r: (
        r.pk is not None and ReferralUserObjectPermission.objects.filter(user=u, content_object_id=r.pk).exists()
    ),
}

RECEIVING_TEAM = {"social_worker": {"team"}, "supervisor": {"team_subtree"}, "administrator": {ANY}}
ONLY_THE_TEAM = _("Only the receiving team can do this.")
AWAITING_ACCEPTANCE = (Status.SUBMITTED, Status.ACKNOWLEDGED)
BEING_WORKED = (Status.ACCEPTED, Status.IN_PROGRESS)

RULES = {
    # Filing and matching act on the organisation, not on a referral: not offered on a case page.
    "file": rule(
        _("Only police can file referrals."),
        on_record=False,
        officer={"station"},
        integration={ANY},
        administrator={ANY},
    ),
    # Looking up existing persons and households while filing: only for those who file.
    "suggest": rule(
        _("Only those who file referrals can look up existing records."),
        on_record=False,
        officer={"station"},
        integration={ANY},
        administrator={ANY},
    ),
    "rematch": rule(_("Only an administrator can change station–team matching."), on_record=False, administrator={ANY}),
    "acknowledge": rule(ONLY_THE_TEAM, statuses=[Status.SUBMITTED], **RECEIVING_TEAM),
    "accept": rule(ONLY_THE_TEAM, statuses=AWAITING_ACCEPTANCE, **RECEIVING_TEAM),
    "decline": rule(ONLY_THE_TEAM, statuses=AWAITING_ACCEPTANCE, **RECEIVING_TEAM),
    "confirm_level": rule(ONLY_THE_TEAM, statuses=AWAITING_ACCEPTANCE, **RECEIVING_TEAM),
    "transfer": rule(ONLY_THE_TEAM, statuses=OPEN_STATUSES, intake_coordinator={"district"}, **RECEIVING_TEAM),
    "first_contact": rule(ONLY_THE_TEAM, statuses=[Status.ACCEPTED], **RECEIVING_TEAM),
    "close": rule(ONLY_THE_TEAM, statuses=BEING_WORKED, **RECEIVING_TEAM),
    "reassign": rule(
        _("Only a supervisor of the receiving team can do this."),
        statuses=BEING_WORKED,
        supervisor={"team_subtree"},
        administrator={ANY},
    ),
    "share": rule(
        _("Only the assigned worker or a supervisor can share this referral."),
        statuses=OPEN_STATUSES,
        social_worker={"assigned"},
        supervisor={"team_subtree"},
        administrator={ANY},
    ),
    "note": rule(
        _("You cannot write notes on this referral."),
        officer={"filed", "station"},
        station_head={"station_subtree"},
        social_worker={"team", "granted"},
        supervisor={"team_subtree"},
        intake_coordinator={"district"},
        administrator={ANY},
    ),
    "dispatch": rule(
        _("Only the district's intake coordinator can dispatch referrals."),
        statuses=[Status.SUBMITTED],
        when=lambda r: r.team_id is None,
        when_refusal=_("This referral has already been dispatched."),
        intake_coordinator={"district"},
        administrator={ANY},
    ),
    "redirect": rule(
        _("Only a coordinator or supervisor can redirect a referral."),
        statuses=[Status.DECLINED],
        intake_coordinator={"district"},
        supervisor={"team_subtree"},
        administrator={ANY},
    ),
    "cancel": rule(
        _("Only the referring police can do this."),
        statuses=AWAITING_ACCEPTANCE,
        officer={"filed", "station"},
        administrator={ANY},
    ),
    # Taking responsibility for an escalation of the referral (offered on the escalations page).
    "acknowledge_escalation": rule(
        _("Only a supervisor or coordinator responsible for the referral can do this."),
        on_record=False,
        supervisor={"team_subtree"},
        intake_coordinator={"district"},
        administrator={ANY},
    ),
}

POLICY = Policy(
    rules=RULES,
    relations=RELATIONS,
    not_now=lambda r: (
        _("This referral is %(status)s; that action is not possible now.") % {"status": r.get_status_display()}
    ),
)
can = POLICY.can
require = POLICY.require
allowed_actions = POLICY.allowed_actions
