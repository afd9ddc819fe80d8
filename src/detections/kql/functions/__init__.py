"""The KQL function library. Importing this package fills detections.kql.registry's SCALARS and
AGGREGATES; each family lives in its own module.

UNSUPPORTED names functions that are declared (so queries bind and the oracle agrees) but cannot
run here; the binder should raise KqlUnsupportedError naming them. EXECUTOR_FUNCTIONS lists
functions that need the executor's row context and are therefore implemented there, not here.
"""

from detections.kql.functions import (  # noqa: F401 - imported for their registrations
    aggregates,
    compression,
    conversion,
    datetime,
    dynamic,
    hashing,
    ip,
    math,
    misc,
    parsers,
    regex,
    series,
    signatures,
    strings,
)

signatures.apply()

# Functions whose result is several columns: impl returns a tuple, one value per column, and an
# unnamed call is named "<function>_<argument>_<suffix>" (series_stats_y_min, ...). array_sort_asc
# and array_sort_desc also return a tuple when given several arrays ("<argument>_sorted" columns).
MULTI_COLUMN = series.MULTI_COLUMN

UNSUPPORTED: dict[str, str] = {
    "geo_info_from_ip_address": ip.UNSUPPORTED_GEO,
}

EXECUTOR_FUNCTIONS: dict[str, str] = {
    "pack_all": "a bag of every column of the current row",
    "column_ifexists": "a column's value when the column exists in the input schema, else the default",
    "row_number": "needs a serialized row set",
    "row_cumsum": "needs a serialized row set",
    "prev": "needs a serialized row set",
    "next": "needs a serialized row set",
    "row_rank_dense": "needs a serialized row set",
    "row_rank_min": "needs a serialized row set",
    "row_window_session": "needs a serialized row set",
    "toscalar": "evaluates a tabular expression",
    "materialize": "caches a tabular expression",
    "_GetWatchlist": "resolved from the local watchlist mapping",
    "ingestion_time": "the row's ingestion time (a hidden column)",
}
