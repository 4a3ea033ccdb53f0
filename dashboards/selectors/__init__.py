"""Dashboard figures, computed by the database (aggregates, conditional counts, percentiles).

Every function takes querysets already narrowed to what the viewer may see, so the
dashboard and its exports can never show more than the visibility rule allows.
The number of queries is fixed: it does not grow with the number of rows."""

from dashboards.selectors.other_figures import patrol_figures, safety_figures  # noqa: F401
from dashboards.selectors.referral_figures import (  # noqa: F401
    ALARM,
    MISSED_CHECK_OUT,
    Kind,
    acknowledgement_figures,
    caseload_figures,
    headline_figures,
    headline_from,
    quality_figures,
    referral_figures,
    timing_figures,
)
from dashboards.selectors.scope import DEFINITIONS, SECTIONS, querysets_for  # noqa: F401
from dashboards.selectors.stats import Percentile, database_percentiles, percentile  # noqa: F401
