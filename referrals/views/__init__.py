"""Pages for filing, triaging and working referrals. Thin: forms validate, services act."""

from referrals.views.case import ACTIONS, act, detail, household_timeline  # noqa: F401
from referrals.views.filing import FORM_TOKEN_PREFIX, file_referral, file_suggestions  # noqa: F401
from referrals.views.matching import matching  # noqa: F401
from referrals.views.queues import (  # noqa: F401
    acknowledge_escalation,
    bulk_assign,
    caseload,
    escalations,
    intake,
    my_referrals,
    queue,
    search,
)
