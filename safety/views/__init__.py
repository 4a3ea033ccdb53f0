"""Safety pages: thin views over safety.services."""

from safety.views.escorts import alert_act, alerts, escort_answer, escorts  # noqa: F401
from safety.views.events import attachment, event_detail, event_new, event_review, events, follow_up_update  # noqa: F401
from safety.views.flags import flag_for_referral, flag_remove  # noqa: F401
from safety.views.offline import event_sync, manifest, service_worker, visit_sync  # noqa: F401
from safety.views.planning import (  # noqa: F401
    assessment_override,
    fallback_assign,
    fallback_postpone,
    fallbacks,
    route_note_add,
    visit_assessment,
)
from safety.views.visits import VISIT_ACTIONS, duress_code, visit_act, visit_detail, visit_plan, visits  # noqa: F401
