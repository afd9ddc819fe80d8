"""The KQL function library. Importing this package fills detections.kql.registry's SCALARS and
AGGREGATES; each family lives in its own module.

UNSUPPORTED names functions that are declared (so queries bind and the oracle agrees) but cannot
run here; the compiler raises KqlUnsupportedError naming them when they run. Functions that need
the row set or the scope (row_number, prev, pack_all, toscalar ...) are not here but in
compiler.CONTEXT_FUNCTIONS; tabular ones (materialize, _GetWatchlist) are binder table functions.
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
