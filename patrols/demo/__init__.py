"""Demo community policing: beats, persons of concern and their visits, key locations and inspections,
community work, missing persons, monthly reports (one late, one amended) and the half-year evaluation.

Replayed on the demo timeline like the rest, so visits move each person's next due date, a report
not submitted by the 10th is chased by the reminder sweep, and a family found on a visit becomes a
referral opened from the visit."""

from patrols.demo.texts import (  # noqa: F401
    ACTIVITIES,
    ASSOCIATES,
    CADENCE,
    CHILD_NOTES,
    EVALUATION_ITEMS,
    HABITS,
    HAUNTS,
    HEADS,
    INSPECTION_NOTES,
    LOCATIONS,
    MEET_NOTES,
    OFFICERS,
    REPORT_SWEEPS,
    SHORT,
    SIDE_VISITS,
    D,
    H,
    M,
)
from patrols.demo.world import (  # noqa: F401
    count_activities,
    count_beats,
    count_evaluations,
    count_locations,
    count_patrol_visits,
    count_reports,
    patrols_world,
)
