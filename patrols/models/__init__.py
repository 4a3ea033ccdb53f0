"""Community policing: beats, persons of concern, visits, key locations, community work, reports, evaluation."""

from patrols.models._scope import PoliceQuerySet, police_scope  # noqa: F401
from patrols.models.beats import (  # noqa: F401
    DEFAULT_CADENCE_DAYS,
    Beat,
    BeatHoursChange,
    Outcome,
    PatrolVisit,
    PersonOfConcern,
    RiskLevel,
    SearchReport,
    VisitCadence,
)
from patrols.models.community import ActivityKind, CommunityActivity, ContactGroup, Topic, WatchTeam  # noqa: F401
from patrols.models.evaluation import Evaluation, EvaluationItem, EvaluationScore  # noqa: F401
from patrols.models.locations import (  # noqa: F401
    DEFAULT_THRESHOLD,
    INDICATORS,
    IndicatorThreshold,
    Inspection,
    KeyLocation,
    LocationType,
    MissingPersonReport,
    SuspectedSite,
)
from patrols.models.reports import MonthlyReport, ReportAmendment, ReportReminder  # noqa: F401
