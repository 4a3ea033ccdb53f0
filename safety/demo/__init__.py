"""Demo safety: risk flags, home visits (with escorts, a missed check-out and an alarm), hazard events.

Everything hangs on the demo's referral cases and is replayed with them on the timeline, so a
visit happens while its case is being worked and the lone-worker sweep raises the missed
check-out at the minute it was due."""

from safety.demo.texts import (  # noqa: F401
    ESCORT_DECLINES,
    EVENTS,
    EXTRA_FLAGS,
    FLAGS,
    LATE_FLAG_OVERRIDE,
    OVERRIDE_REASON,
    VISIT_SWEEPS,
    WORKERS,
    D,
    H,
    M,
)
from safety.demo.world import (  # noqa: F401
    FORGOTTEN_FOLLOW_UP,
    MAJOR_EVENT,
    VisitPlan,
    count_alerts,
    count_escorts,
    count_events,
    count_flags,
    count_visits,
    safety_world,
)
