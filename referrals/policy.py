"""Who may act on a referral: role × action × relation, in one table.

Relations say how a user stands to one referral. ``team`` and ``assigned`` hold only while the
user still belongs to the referral's team, so a worker who moves team loses the team's actions
at once; ``granted`` is a colleague the case was shared with.
"""

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.policy import ANY, Policy, Who, contains, rule
from referrals.models import OPEN_STATUSES, Household, LinkRequest, Referral, ReferralUserObjectPermission, Status

RELATIONS: dict[str, Callable[[User, Referral], bool]] = {
    # The officer who filed it, or the dispatch account that posted it.
    "filed": lambda u, r: (
        r.referring_officer_id == u.pk or (r.referring_officer_id is None and r.created_by_id == u.pk)
    ),
    "assigned": lambda u, r: r.assigned_worker_id == u.pk and r.team_id is not None and u.organization_id == r.team_id,
    "team": lambda u, r: r.team_id is not None and u.organization_id == r.team_id,
    "station": lambda u, r: u.organization_id is not None and u.organization_id == r.referring_station_id,
    "team_subtree": lambda u, r: r.team_id is not None and contains(u.organization, r.team),
    "station_subtree": lambda u, r: contains(u.organization, r.referring_station),
    "district": lambda u, r: u.organization is not None and u.organization.district_id == r.district_id,
    "granted": lambda u, r: (
        r.pk is not None and ReferralUserObjectPermission.objects.filter(user=u, content_object_id=r.pk).exists()
    ),
}


def _sees_household(user: User, link: LinkRequest) -> bool:
    return Household.objects.visible_to(user).filter(pk=link.household_id).exists()


# A link request (models.LinkRequest) stands for its referral: the desk of the referral's district and
# its receiving team decide. Confirming joins the referral to the other household, so it also needs
# that household to be one the decider can already see; rejecting does not.
LINK_RELATIONS: dict[str, Callable[[User, LinkRequest], bool]] = {
    "link_district": lambda u, link: RELATIONS["district"](u, link.referral),
    "link_team": lambda u, link: RELATIONS["team"](u, link.referral),
    "link_team_subtree": lambda u, link: RELATIONS["team_subtree"](u, link.referral),
    "link_district_sees": lambda u, link: RELATIONS["district"](u, link.referral) and _sees_household(u, link),
    "link_team_sees": lambda u, link: RELATIONS["team"](u, link.referral) and _sees_household(u, link),
    "link_team_subtree_sees": lambda u, link: RELATIONS["team_subtree"](u, link.referral) and _sees_household(u, link),
}

RECEIVING_TEAM: Who = {"social_worker": {"team"}, "supervisor": {"team_subtree"}, "administrator": {ANY}}
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
    # Deciding a filer's request to join a household they cannot see (records: LinkRequest).
    "confirm_link": rule(
        _("Only the intake desk or the receiving team, and only for a household they can see, can confirm this."),
        on_record=False,
        when=lambda link: link.is_pending,
        when_refusal=_("This link has already been decided."),
        intake_coordinator={"link_district_sees"},
        social_worker={"link_team_sees"},
        supervisor={"link_team_subtree_sees"},
        administrator={ANY},
    ),
    "reject_link": rule(
        _("Only the intake desk or the receiving team can decide this link."),
        on_record=False,
        when=lambda link: link.is_pending,
        when_refusal=_("This link has already been decided."),
        intake_coordinator={"link_district"},
        social_worker={"link_team"},
        supervisor={"link_team_subtree"},
        administrator={ANY},
    ),
    "rematch": rule(_("Only an administrator can change station–team matching."), on_record=False, administrator={ANY}),
    "acknowledge": rule(ONLY_THE_TEAM, statuses=[Status.SUBMITTED], **RECEIVING_TEAM),
    "accept": rule(ONLY_THE_TEAM, statuses=AWAITING_ACCEPTANCE, **RECEIVING_TEAM),
    "decline": rule(ONLY_THE_TEAM, statuses=AWAITING_ACCEPTANCE, **RECEIVING_TEAM),
    "confirm_level": rule(ONLY_THE_TEAM, statuses=AWAITING_ACCEPTANCE, **RECEIVING_TEAM),
    "transfer": rule(ONLY_THE_TEAM, statuses=OPEN_STATUSES, intake_coordinator={"district"}, **RECEIVING_TEAM),
    "return": rule(ONLY_THE_TEAM, statuses=AWAITING_ACCEPTANCE, **RECEIVING_TEAM),
    "resubmit": rule(
        _("Only the referring police can do this."),
        statuses=[Status.RETURNED],
        officer={"filed", "station"},
        integration={"filed"},
        administrator={ANY},
    ),
    "re_refer": rule(
        ONLY_THE_TEAM, statuses=(*AWAITING_ACCEPTANCE, *BEING_WORKED), intake_coordinator={"district"}, **RECEIVING_TEAM
    ),
    "fail": rule(ONLY_THE_TEAM, statuses=BEING_WORKED, **RECEIVING_TEAM),
    # Whether the referral was appropriate and what was missing: the team that handled it.
    "feedback": rule(
        ONLY_THE_TEAM,
        statuses=[Status.ACKNOWLEDGED, Status.ACCEPTED, Status.IN_PROGRESS, Status.CLOSED, Status.DECLINED],
        **RECEIVING_TEAM,
    ),
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
        statuses=(*AWAITING_ACCEPTANCE, Status.RETURNED),
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
    relations={**RELATIONS, **LINK_RELATIONS},
    not_now=lambda r: (
        _("This referral is %(status)s; that action is not possible now.") % {"status": r.get_status_display()}
    ),
)
can = POLICY.can
require = POLICY.require
allowed_actions = POLICY.allowed_actions
