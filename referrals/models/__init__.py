"""Households, persons, referrals and everything that happens to a referral."""

from referrals.models.choices import (  # noqa: F401
    AWAITING_ACK,
    NARRATIVE_MAX,
    OPEN_STATUSES,
    OUTCOME_NEXT_STEP,
    STATUS_CODES,
    Category,
    Consent,
    DeclineReason,
    FailureReason,
    KnownRisk,
    Level,
    Outcome,
    PersonRole,
    ReferralGap,
    Sex,
    Status,
)
from referrals.models.history import (  # noqa: F401
    CaseNote,
    EventQuerySet,
    LinkRequest,
    NoteQuerySet,
    ReferralEscalation,
    ReferralEvent,
    ReferralFeedback,
)
from referrals.models.keys import id_number_hash, normalise_address, normalise_name, normalise_phone  # noqa: F401
from referrals.models.referral import (  # noqa: F401
    Household,
    HouseholdQuerySet,
    Person,
    PersonQuerySet,
    Referral,
    ReferralGroupObjectPermission,
    ReferralPerson,
    ReferralQuerySet,
    ReferralUserObjectPermission,
    referral_visibility,
)
from referrals.models.routing import DEFAULT_SLA, IdempotencyKey, SLAPolicy, StationTeamMatch  # noqa: F401
