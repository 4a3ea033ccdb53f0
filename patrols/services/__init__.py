"""Community-policing state changes: visits and their follow-ups, inspections, reports, evaluation."""

from patrols.services.community import change_beat_hours, decide_beat_hours, log_activity  # noqa: F401
from patrols.services.evaluation import (  # noqa: F401
    GRADES,
    LOWEST_GRADE,
    LOWEST_GROUP,
    PEER_GROUPS,
    evaluate,
    first_day_of,
    grade,
    peer_group,
    period_of,
)
from patrols.services.locations import add_key_location, inspect_location, take_missing_person_report, threshold_for  # noqa: F401
from patrols.services.reports import (  # noqa: F401
    ESCALATE_REPORT_AFTER,
    REPORT_DUE_DAY,
    amend_report,
    compute_figures,
    ensure_reports,
    last_month,
    month_bounds,
    oldest_overdue,
    open_month_report,
    open_report,
    report_deadline,
    submit_report,
    sweep_reports,
)
from patrols.services.setup import save_beat, save_key_location, save_person_of_concern  # noqa: F401
from patrols.services.visits import (  # noqa: F401
    add_child,
    cadence_days,
    children_of,
    household_for,
    record_visit,
    referral_for_visit,
)
