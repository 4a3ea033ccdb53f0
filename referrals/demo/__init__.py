"""Demo referrals: six months of a city's referrals, replayed through the services.

Every case is planned first (all random draws happen here, so the city is the same on every
run), then its steps are put on the demo timeline: filing, dispatch by the intake coordinator,
acknowledgement (late for some, so the escalation sweep fires in between and a supervisor takes
the escalation), acceptance, first contact, case notes, transfer, decline and redirect,
cancellation and closing. A step planned after "now" has not happened yet, so recent cases are
still open at the stage they have reached."""

from referrals.demo.plan import Case, plan_cases  # noqa: F401
from referrals.demo.steps import schedule_case  # noqa: F401
from referrals.demo.texts import (  # noqa: F401
    ATTEMPT_NOTES,
    CANCEL_REASONS,
    CASE_COUNT,
    CATEGORY_NAMES,
    CATEGORY_WEIGHTS,
    DECLINE_NOTES,
    DISPATCH_NOTES,
    FAILURE_NOTES,
    FOLLOWS,
    INTERNAL_NOTES,
    LEVEL_WEIGHTS,
    NARRATIVES,
    NOT_REACHED,
    OFFICER_NOTES,
    OFFICERS,
    OUTCOME_SUMMARIES,
    OUTCOME_WEIGHTS,
    RE_REFERRALS,
    REDIRECT_NOTE,
    REPEAT_PREFIX,
    RESOURCES,
    RESUBMIT_NOTES,
    RETURN_NOTES,
    RISKS,
    SHARED_NOTES,
    TRANSFER_NOTES,
    YOUTH_CATEGORIES,
    C,
    D,
    H,
    M,
)
from referrals.demo.world import (  # noqa: F401
    add_case,
    count_households,
    count_moves,
    count_overdue,
    count_persons,
    count_referrals,
    matching_and_policies,
    referral_history,
)
