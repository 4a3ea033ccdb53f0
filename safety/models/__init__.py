"""Worker safety: hazard events, follow-up support, risk flags, safe home visits, escorts and alerts."""

from safety.models.events import (  # noqa: F401
    ALLOWED_ATTACHMENTS,
    INJURY_CAUSED,
    MAJOR_INJURY_WINDOW_DAYS,
    MAJOR_MEDIA_REPORTS,
    MAX_ATTACHMENT_BYTES,
    FollowUpItem,
    FollowUpKind,
    FollowUpQuerySet,
    HazardAttachment,
    HazardEvent,
    HazardEventKey,
    HazardEventQuerySet,
    HazardType,
    Injury,
    SafetyContact,
)
from safety.models.flags import CLIENT_SOURCES, RiskFlag, RiskFlagQuerySet, RiskSource, RiskType  # noqa: F401
from safety.models.planning import EscortFallback, Recommendation, RouteNote, VisitRiskAssessment  # noqa: F401
from safety.models.visits import (  # noqa: F401
    CHECK_OUT_GRACE,
    SECOND_ALERT_AFTER,
    AlertQuerySet,
    DuressCode,
    EscortQuerySet,
    EscortRequest,
    HomeVisit,
    SafetyAlert,
    VisitActionKey,
    VisitQuerySet,
)
