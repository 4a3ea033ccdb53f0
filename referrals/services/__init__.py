"""Every change to a referral happens here, one transaction per use case.

Each function checks who may do it and from which status (after the FHIR Task
workflow for closed-loop referrals), writes the change, appends an immutable
event, sets or clears the SLA timer and queues notifications on commit.
Refusals raise ``ValidationError`` (a rule) or ``PermissionDenied`` (a role)."""

from referrals.services.escalation import (  # noqa: F401
    LAST_ESCALATION_LEVEL,
    MIN_ESCALATION_GAP,
    acknowledge_escalation,
    escalation_recipients,
    oldest_unfired_escalation,
    sweep_escalations,
)
from referrals.services.filing import (  # noqa: F401
    IDEMPOTENCY_KEY_TTL,
    IdempotencyConflict,
    confirm_link,
    reject_link,
    submit_referral,
    submit_referral_once,
)
from referrals.services.households import add_person, open_household  # noqa: F401
from referrals.services.intake import (  # noqa: F401
    accept_referral,
    acknowledge_referral,
    bulk_accept,
    confirm_level,
    decline_referral,
    give_feedback,
    re_refer,
    reassign_referral,
    record_failure,
    resubmit_referral,
    return_to_referrer,
)
from referrals.services.lifecycle import (  # noqa: F401
    allowed_actions,
    cancel_referral,
    close_referral,
    record_first_contact,
)
from referrals.services.notes import add_note, share_with_worker  # noqa: F401
from referrals.services.routing import (  # noqa: F401
    RematchReport,
    dispatch_referral,
    matched_team,
    redirect_referral,
    rematch_station,
    transfer_referral,
)
from referrals.services.sla import (  # noqa: F401
    Deadline,
    acknowledge_due,
    acknowledge_rule,
    first_contact_due,
    first_contact_rule,
    next_deadline,
    sla_for,
    time_left,
    time_left_formats,
)
from referrals.services.staffing import flag_departed_worker, worker_moved  # noqa: F401
