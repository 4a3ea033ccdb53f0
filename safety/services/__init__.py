"""Every safety state change: events and the major-event rule, visits, escorts, alerts and their timers."""

from safety.services._base import User, follow_up_owners, safety_contacts  # noqa: F401
from safety.services.alerts import acknowledge_alert, oldest_overdue, resolve_alert, sweep_lone_workers  # noqa: F401
from safety.services.escorts import ESCORT_ANSWER_WITHIN, answer_escort, request_escort, sweep_escorts  # noqa: F401
from safety.services.events import (  # noqa: F401
    FOLLOW_UP_DAYS,
    automatic_major_reasons,
    flag_for_review,
    report_hazard_event,
    report_with_key,
    sweep_follow_ups,
    update_follow_up,
    update_hazard_event,
)
from safety.services.flags import (  # noqa: F401
    active_flags_for,
    add_risk_flag,
    flags_for_visit,
    forget_flag_notes,
    record_police_flag,
    remove_risk_flag,
)
from safety.services.visits import (  # noqa: F401
    OFFLINE_ACTIONS,
    act_with_key,
    check_in,
    check_out,
    is_duress_code,
    override_solo_visit,
    plan_assessed_visit,  # noqa: F401
    plan_visit,
    raise_alarm,
    set_duress_code,
    solo_visit_blocked,
    start_visit,
)
