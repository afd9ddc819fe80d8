"""Series (dynamic numeric array) functions used with make-series: line fitting, statistics, gap
filling, Tukey outlier scores and seasonal decomposition with anomaly flags.

Functions that return several columns (series_fit_line, series_stats, series_decompose, ...)
return a Python tuple, one element per column; MULTI_COLUMN gives the column suffixes and types
(`extend series_stats(y)` -> series_stats_y_min, series_stats_y_min_idx, ...).

Where the docs do not spell out Kusto's numerics we say what we do (docs/kql-functions.md):
series_outliers interpolates percentiles linearly; seasonality auto-detection (-1) scores each
candidate period by the autocorrelation of the series at that lag (Kusto's own detector is not
documented), accepting the best period when its score reaches the threshold (default 0.6).
"""

from __future__ import annotations

import math
import operator as py
from collections.abc import Callable, Sequence
from statistics import median
from typing import Any

from detections.kql import values
from detections.kql.functions.aggregates import MAX_SET_SIZE
from detections.kql.functions.common import text
from detections.kql.registry import scalar
from detections.kql.types import KType

Y, R, L = KType.DYNAMIC, KType.REAL, KType.LONG

MULTI_COLUMN: dict[str, tuple[tuple[str, KType], ...]] = {
    "series_fit_line": (("rsquare", R), ("slope", R), ("variance", R), ("rvariance", R), ("interception", R),
                        ("line_fit", Y)),
    "series_stats": (("min", R), ("min_idx", L), ("max", R), ("max_idx", L), ("avg", R), ("stdev", R), ("variance", R)),
    "series_decompose": (("baseline", Y), ("seasonal", Y), ("trend", Y), ("residual", Y)),
    "series_decompose_forecast": (("baseline", Y), ("seasonal", Y), ("trend", Y), ("residual", Y)),
    "series_decompose_anomalies": (("ad_flag", Y), ("ad_score", Y), ("baseline", Y)),
    "series_periods_detect": (("periods", Y), ("scores", Y)),
}


def _numbers(series: Any) -> list[float | None] | None:
    """The series as floats (null elements stay None); None when it is not an array."""
    if type(series) is not list:
        return None
    return [None if item is None else values.to_real(item) for item in series]


def _finite(series: Sequence[float | None]) -> list[float]:
    return [x for x in series if x is not None and math.isfinite(x)]


def _real(value: Any, default: float) -> float:
    number = None if value is None else values.to_real(value)
    return default if number is None else number


# ---------------------------------------------------------------------------------------------
# line fit and statistics
# ---------------------------------------------------------------------------------------------


def fit_line(points: Sequence[float]) -> tuple[float, float, float, float, float, list[float]]:
    """Least squares over x = 1..n: (rsquare, slope, variance, rvariance, interception, line)."""
    n = len(points)
    if n == 0:
        return (0.0, 0.0, 0.0, 0.0, 0.0, [])
    xs = range(1, n + 1)
    mean_x, mean_y = (n + 1) / 2, math.fsum(points) / n
    sxx = math.fsum((x - mean_x) ** 2 for x in xs)
    sxy = math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, points, strict=True))
    slope = sxy / sxx if sxx else 0.0
    interception = mean_y - slope * mean_x
    line = [interception + slope * x for x in xs]
    total = math.fsum((y - mean_y) ** 2 for y in points)
    residual = math.fsum((y - f) ** 2 for y, f in zip(points, line, strict=True))
    dof = max(n - 1, 1)
    rsquare = 1 - residual / total if total else 1.0
    return (rsquare, slope, total / dof, residual / dof, interception, line)


def _fit_line(series: Any) -> tuple | None:
    numbers = _numbers(series)
    if numbers is None:
        return None
    return fit_line([0.0 if x is None else x for x in numbers])


scalar("series_fit_line", 1, 1, Y, doc="linear regression: rsquare, slope, variance, rvariance, interception, line_fit")(_fit_line)


@scalar("series_fit_line_dynamic", 1, 1, Y)
def series_fit_line_dynamic(series: Any) -> dict | None:
    """series_fit_line as one property bag."""
    fit = _fit_line(series)
    return None if fit is None else dict(zip((name for name, _ in MULTI_COLUMN["series_fit_line"]), fit, strict=True))


def _stats(series: Any, ignore_nonfinite: Any = False) -> tuple | None:
    numbers = _numbers(series)
    if numbers is None:
        return None
    indexed = [(i, x) for i, x in enumerate(numbers) if x is not None and (math.isfinite(x) or not ignore_nonfinite)]
    if not indexed:
        return (None, None, None, None, None, None, None)
    min_idx, low = min(indexed, key=lambda p: p[1])
    max_idx, high = max(indexed, key=lambda p: p[1])
    data = [x for _, x in indexed]
    mean = math.fsum(data) / len(data)
    variance = math.fsum((x - mean) ** 2 for x in data) / (len(data) - 1) if len(data) > 1 else 0.0
    return (low, min_idx, high, max_idx, mean, math.sqrt(variance), variance)


scalar("series_stats", 1, 2, R, doc="min, min_idx, max, max_idx, avg, stdev, variance (sample)")(_stats)


@scalar("series_stats_dynamic", 1, 2, Y)
def series_stats_dynamic(series: Any, ignore_nonfinite: Any = False) -> dict | None:
    """series_stats as one property bag."""
    stats = _stats(series, ignore_nonfinite)
    return None if stats is None else dict(zip((name for name, _ in MULTI_COLUMN["series_stats"]), stats, strict=True))


# ---------------------------------------------------------------------------------------------
# filling missing values
# ---------------------------------------------------------------------------------------------


def _missing(placeholder: Any) -> Callable[[Any], bool]:
    if placeholder is None:
        return lambda x: x is None
    return lambda x: x is None or x == placeholder


@scalar("series_fill_forward", 1, 2, Y)
def series_fill_forward(series: Any, missing: Any = None) -> list | None:
    """Each missing value takes the last value before it (leading missing values stay)."""
    if type(series) is not list:
        return None
    is_missing, last, out = _missing(missing), None, []
    for item in series:
        if is_missing(item):
            out.append(last if last is not None else item)
        else:
            last = item
            out.append(item)
    return out


@scalar("series_fill_backward", 1, 2, Y)
def series_fill_backward(series: Any, missing: Any = None) -> list | None:
    """Each missing value takes the next value after it (trailing missing values stay)."""
    filled = series_fill_forward(series[::-1] if type(series) is list else None, missing)
    return None if filled is None else filled[::-1]


@scalar("series_fill_const", 2, 3, Y)
def series_fill_const(series: Any, constant: Any, missing: Any = None) -> list | None:
    """Missing values (null or the placeholder) replaced by the constant."""
    if type(series) is not list:
        return None
    is_missing = _missing(missing)
    return [constant if is_missing(item) else item for item in series]


@scalar("series_fill_linear", 1, 4, Y)
def series_fill_linear(series: Any, missing: Any = None, fill_edges: Any = True, constant: Any = None) -> list | None:
    """Missing values interpolated linearly between their neighbours; edges take the nearest
    value when fill_edges, else the constant (or stay missing)."""
    if type(series) is not list:
        return None
    is_missing = _missing(missing)
    known = [(i, values.to_real(item)) for i, item in enumerate(series) if not is_missing(item)]
    out: list[Any] = list(series)
    if not known:
        return out
    for (i0, y0), (i1, y1) in zip(known, known[1:], strict=False):
        for i in range(i0 + 1, i1):
            out[i] = y0 + (y1 - y0) * (i - i0) / (i1 - i0)
    first, last = known[0], known[-1]
    for i in [*range(0, first[0]), *range(last[0] + 1, len(series))]:
        if fill_edges is not False:
            out[i] = first[1] if i < first[0] else last[1]
        elif constant is not None:
            out[i] = constant
    return out


# ---------------------------------------------------------------------------------------------
# outliers, periods, decomposition
# ---------------------------------------------------------------------------------------------


def _percentile(ordered: Sequence[float], percent: float) -> float:
    """Linear interpolation between closest ranks."""
    if len(ordered) == 1:
        return ordered[0]
    position = percent / 100.0 * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


_TINY = 1e-9


def outlier_scores(series: Sequence[float | None], kind: str = "ctukey", low_pct: float = 10.0,
                   high_pct: float = 90.0, ignore: float | None = None) -> list[float]:
    """Tukey fence scores: (x - Q_high) / IQR above the range, (x - Q_low) / IQR below, else 0;
    "tukey" uses the 25th/75th percentiles, "ctukey" the given ones (10th/90th by default)."""
    if kind == "tukey":
        low_pct, high_pct = 25.0, 75.0
    valid = sorted(x for x in series if x is not None and x != ignore and math.isfinite(x))
    if not valid:
        return [0.0 for _ in series]
    q_low, q_high = _percentile(valid, low_pct), _percentile(valid, high_pct)
    spread = max(q_high - q_low, _TINY)
    scores = []
    for x in series:
        if x is None or x == ignore or not math.isfinite(x):
            scores.append(0.0)
        elif x > q_high:
            scores.append((x - q_high) / spread)
        elif x < q_low:
            scores.append((x - q_low) / spread)
        else:
            scores.append(0.0)
    return scores


@scalar("series_outliers", 1, 5, Y)
def series_outliers(series: Any, kind: Any = "ctukey", ignore: Any = None, low: Any = 10.0, high: Any = 90.0) -> list | None:
    """Tukey fence anomaly score of each point (see outlier_scores)."""
    numbers = _numbers(series)
    if numbers is None:
        return None
    ignore_value = None if ignore is None else values.to_real(ignore)
    return outlier_scores(numbers, text(kind) or "ctukey", _real(low, 10.0), _real(high, 90.0), ignore_value)


def detect_periods(series: Sequence[float], min_period: float, max_period: float, count: int) -> tuple[list[float], list[float]]:
    """Candidate periods (at least 4 points, at most half the series) scored by the series'
    autocorrelation at that lag; the best `count` that are not multiples of a better one, padded
    with zeros."""
    n = len(series)
    scored: list[tuple[float, int]] = []
    if n >= 8:
        mean = math.fsum(series) / n
        centered = [x - mean for x in series]
        energy = math.fsum(x * x for x in centered)
        lowest, highest = max(4, math.ceil(min_period)), min(n // 2, math.floor(max_period))
        for period in range(lowest, highest + 1):
            if energy:
                overlap = math.fsum(centered[i] * centered[i + period] for i in range(n - period))
                score = overlap / energy * n / (n - period)
                if score > 0:
                    scored.append((min(score, 1.0), period))
    scored.sort(key=lambda item: (-round(item[0], 6), item[1]))
    best: list[tuple[float, int]] = []
    for score, period in scored:
        if len(best) >= count:
            break
        if not any(period % chosen == 0 for _, chosen in best):  # a multiple of a found period is its harmonic
            best.append((score, period))
    periods = [float(p) for _, p in best] + [0.0] * (count - len(best))
    scores = [round(s, 6) for s, _ in best] + [0.0] * (count - len(best))
    return periods, scores


@scalar("series_periods_detect", 4, 4, Y)
def series_periods_detect(series: Any, min_period: Any, max_period: Any, count: Any) -> tuple | None:
    """(periods, scores) of the most significant periods (see detect_periods)."""
    numbers, wanted = _numbers(series), values.to_long(count)
    if numbers is None or wanted is None or not 0 <= wanted <= MAX_SET_SIZE:  # the padding must fit in memory
        return None
    return detect_periods(_finite(numbers), _real(min_period, 0.0), _real(max_period, 0.0), wanted)


def decompose(series: Sequence[float | None], seasonality: int = -1, trend: str = "avg", test_points: int = 0,
              threshold: float = 0.6) -> tuple[list[float], list[float], list[float], list[float]]:
    """(baseline, seasonal, trend, residual) following the documented order: the seasonal part is
    the median of the training points in the same phase, the trend is fitted to the deseasonal
    training points (avg, linefit or none), baseline = seasonal + trend, residual = x - baseline."""
    points = [0.0 if x is None or not math.isfinite(x) else x for x in series]
    n = len(points)
    train = points[: max(n - max(test_points, 0), 0)]
    period = min(seasonality, n)  # a period longer than the series has one point per phase, as a period of n
    if period < 0:
        periods, scores = detect_periods(train, 4, len(train) / 2, 1)
        period = int(periods[0]) if periods and scores[0] >= threshold else 0
    seasonal = [0.0] * n
    if period > 0 and train:
        phase_medians = [median(train[phase::period]) if train[phase::period] else 0.0 for phase in range(period)]
        seasonal = [phase_medians[i % period] for i in range(n)]
    deseasonal = [x - s for x, s in zip(train, seasonal, strict=False)]
    if trend == "linefit" and deseasonal:
        _rsq, slope, _var, _rvar, interception, _line = fit_line(deseasonal)
        trend_part = [interception + slope * (i + 1) for i in range(n)]
    elif trend == "avg" and deseasonal:
        level = math.fsum(deseasonal) / len(deseasonal)
        trend_part = [level] * n
    else:
        trend_part = [0.0] * n
    baseline = [s + t for s, t in zip(seasonal, trend_part, strict=True)]
    residual = [x - b for x, b in zip(points, baseline, strict=True)]
    return baseline, seasonal, trend_part, residual


def _int(value: Any, default: int) -> int:
    """An integer argument; null or a value that is not a number takes the default."""
    number = None if value is None else values.to_long(value)
    return default if number is None else number


@scalar("series_decompose", 1, 5, Y)
def series_decompose(series: Any, seasonality: Any = -1, trend: Any = "avg", test_points: Any = 0, threshold: Any = 0.6) -> tuple | None:
    """(baseline, seasonal, trend, residual) of the series (see decompose)."""
    numbers = _numbers(series)
    if numbers is None:
        return None
    return decompose(numbers, _int(seasonality, -1), text(trend) or "avg", _int(test_points, 0), _real(threshold, 0.6))


@scalar("series_decompose_forecast", 2, 5, Y)
def series_decompose_forecast(series: Any, points: Any, seasonality: Any = -1, trend: Any = "linefit", threshold: Any = 0.6) -> tuple | None:
    """Decomposition learnt without the last `points` values, which the baseline forecasts."""
    numbers = _numbers(series)
    if numbers is None:
        return None
    return decompose(numbers, _int(seasonality, -1), text(trend) or "linefit", _int(points, 0), _real(threshold, 0.6))


@scalar("series_decompose_anomalies", 1, 7, Y)
def series_decompose_anomalies(series: Any, threshold: Any = 1.5, seasonality: Any = -1, trend: Any = "avg", test_points: Any = 0,
                               method: Any = "ctukey", seasonality_threshold: Any = 0.6) -> tuple | None:
    """(ad_flag, ad_score, baseline): decomposition, Tukey scores of the residuals, and +1/-1/0
    where the score is above threshold / below -threshold / neither."""
    numbers = _numbers(series)
    if numbers is None:
        return None
    baseline, _seasonal, _trend, residual = decompose(numbers, _int(seasonality, -1), text(trend) or "avg",
                                                      _int(test_points, 0), _real(seasonality_threshold, 0.6))
    scores = outlier_scores(residual, text(method) or "ctukey")
    limit = _real(threshold, 1.5)
    flags = [1 if s > limit else (-1 if s < -limit else 0) for s in scores]
    return flags, scores, baseline


# ---------------------------------------------------------------------------------------------
# element-wise arithmetic and comparison
# ---------------------------------------------------------------------------------------------


def _elementwise(fn: Callable[[float, float], Any]) -> Callable[[Any, Any], list | None]:
    """Apply fn element by element; a scalar argument stands for every element; null stays null."""

    def impl(left: Any, right: Any) -> list | None:
        if type(left) is not list and type(right) is not list:
            return None
        size = max(len(a) for a in (left, right) if type(a) is list)

        def at(source: Any, i: int) -> Any:
            if type(source) is list:
                return values.to_real(source[i]) if i < len(source) and source[i] is not None else None
            return values.to_real(source)

        out = []
        for i in range(size):
            a, b = at(left, i), at(right, i)
            try:
                out.append(None if a is None or b is None else fn(a, b))
            except ZeroDivisionError:
                out.append(None)
        return out

    return impl


for _name, _fn in (("series_add", py.add), ("series_subtract", py.sub), ("series_multiply", py.mul),
                   ("series_divide", values.real_divide), ("series_greater", py.gt), ("series_greater_equals", py.ge),
                   ("series_less", py.lt), ("series_less_equals", py.le), ("series_equals", py.eq),
                   ("series_not_equals", py.ne)):
    scalar(_name, 2, 2, Y, doc="element-wise over two series (or a series and a scalar)")(_elementwise(_fn))


@scalar("series_abs", 1, 1, Y)
def series_abs(series: Any) -> list | None:
    """Element-wise absolute value."""
    numbers = _numbers(series)
    return None if numbers is None else [None if x is None else abs(x) for x in numbers]


@scalar("series_sum", 1, 1, R)
def series_sum(series: Any) -> float | None:
    """Sum of the finite elements."""
    numbers = _numbers(series)
    return None if numbers is None else math.fsum(_finite(numbers))
