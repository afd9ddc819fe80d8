"""Series functions: the docs' examples for line fitting and period detection, and the docs'
anomaly example (a weekly pattern with six inserted outliers) for decomposition."""

import random

import pytest

import detections.kql.functions  # noqa: F401 - fills the registry
from detections.kql.functions import MULTI_COLUMN
from detections.kql.registry import SCALARS


def call(name, *args):
    return SCALARS[name].impl(*args)


FIT_SAMPLE = [2, 5, 6, 8, 11, 15, 17, 18, 25, 26, 30, 30]
PERIOD_SAMPLE = [80, 139, 87, 110, 68, 54, 50, 51, 53, 133, 86, 141, 97, 156, 94, 149, 95, 140, 77, 61, 50, 54, 47, 133,
                 72, 152, 94, 148, 105, 162, 101, 160, 87, 63, 53, 55, 54, 151, 103, 189, 108, 183, 113, 175, 113, 178,
                 90, 71, 62, 62, 65, 165, 109, 181, 115, 182, 121, 178, 114, 170]


def test_series_fit_line_doc_example():
    rsquare, slope, variance, rvariance, interception, line = call("series_fit_line", FIT_SAMPLE)
    assert rsquare == pytest.approx(0.982, abs=2e-3)
    assert slope == pytest.approx(2.730, abs=2e-3)
    assert variance == pytest.approx(98.628, abs=2e-3)
    assert rvariance == pytest.approx(1.686, abs=2e-3)
    assert interception == pytest.approx(-1.666, abs=2e-3)
    assert line[0] == pytest.approx(1.064, abs=2e-3) and len(line) == 12
    assert call("series_fit_line_dynamic", FIT_SAMPLE)["slope"] == pytest.approx(slope)
    assert call("series_fit_line", "not a series") is None


def test_series_stats():
    low, low_idx, high, high_idx, avg, stdev, variance = call("series_stats", [3, 1, None, 9])
    assert (low, low_idx, high, high_idx) == (1.0, 1, 9.0, 3)
    assert avg == pytest.approx(13 / 3)
    assert variance == pytest.approx(((3 - 13 / 3) ** 2 + (1 - 13 / 3) ** 2 + (9 - 13 / 3) ** 2) / 2)
    assert stdev == pytest.approx(variance ** 0.5)
    assert call("series_stats_dynamic", [1, 2])["max_idx"] == 1


def test_series_fill():
    assert call("series_fill_forward", [None, 1, None, None, 4]) == [None, 1, 1, 1, 4]
    assert call("series_fill_backward", [None, 1, None, 4, None]) == [1, 1, 4, 4, None]
    assert call("series_fill_const", [1, None, -1], 0, -1) == [1, 0, 0]
    assert call("series_fill_linear", [None, 1, None, None, 4, None]) == [1.0, 1.0, 2.0, 3.0, 4.0, 4.0]
    assert call("series_fill_linear", [None, 2, None, 4], None, False) == [None, 2.0, 3.0, 4.0]
    assert call("series_fill_linear", [None, 2, 4], None, False, 0) == [0, 2.0, 4.0]


def test_series_outliers_scores_only_points_outside_the_fence():
    scores = call("series_outliers", [10, 11, 10, 12, 11, 10, 11, 50, 10, 11])
    assert scores[7] > 1.5
    assert all(abs(score) < 1.5 for i, score in enumerate(scores) if i != 7)
    assert call("series_outliers", [5, 5, 5, None, 5])[3] == 0.0


def test_series_periods_detect_doc_example():
    periods, scores = call("series_periods_detect", PERIOD_SAMPLE, 0.0, 50.0, 2)
    assert periods[0] == 14.0
    assert scores[0] > 0.6
    assert 28.0 not in periods  # a harmonic of 14 is not reported as another period


def _weekly_series_with_outliers() -> tuple[list[float], set[int]]:
    rng = random.Random(7)
    series = []
    for t in range(1, 24 * 7 * 5 + 1):
        weekday_level = 15.0 if (t // 24) % 7 < 5 else 10.0
        series.append(2 * rng.random() + weekday_level - ((t % 24) / 10) ** 2)
    outliers = {150: -8.0, 200: -8.0, 780: -8.0, 300: 8.0, 400: 8.0, 600: 8.0}
    for t, delta in outliers.items():
        series[t - 1] += delta
    return series, {t - 1 for t in outliers}


def test_series_decompose_anomalies_finds_the_inserted_outliers():
    series, expected = _weekly_series_with_outliers()
    flags, scores, baseline = call("series_decompose_anomalies", series)
    assert {i for i, flag in enumerate(flags) if flag} == expected
    assert all(flags[i] == (1 if series[i] > baseline[i] else -1) for i in expected)
    assert len(scores) == len(series)


def test_series_decompose_components_add_up():
    series, _ = _weekly_series_with_outliers()
    baseline, seasonal, trend, residual = call("series_decompose", series, 168, "linefit")
    assert all(b == pytest.approx(s + t) for b, s, t in zip(baseline, seasonal, trend, strict=True))
    assert all(x == pytest.approx(b + r) for x, b, r in zip(series, baseline, residual, strict=True))
    _b, seasonal_none, trend_none, _r = call("series_decompose", [1.0, 2.0, 3.0], 0, "none")
    assert seasonal_none == [0.0, 0.0, 0.0] and trend_none == [0.0, 0.0, 0.0]


def test_series_decompose_forecast_extends_the_trend():
    series = [float(i) for i in range(20)] + [0.0] * 5
    baseline, *_ = call("series_decompose_forecast", series, 5, 0)
    assert baseline[-1] == pytest.approx(24.0)


def test_elementwise_series():
    assert call("series_add", [1, 2, None], [10, 20, 30]) == [11.0, 22.0, None]
    assert call("series_multiply", 10, [1, -1]) == [10.0, -10.0]
    assert call("series_divide", [1, 1], [2, 0]) == [0.5, float("inf")]
    assert call("series_greater", [1, 5], 2) == [False, True]
    assert call("series_abs", [-1, None]) == [1.0, None]
    assert call("series_sum", [1, 2, None]) == 3.0


def test_multi_column_functions_return_one_value_per_declared_column():
    series, _ = _weekly_series_with_outliers()
    samples = {"series_fit_line": (FIT_SAMPLE,), "series_stats": (FIT_SAMPLE,), "series_decompose": (series,),
               "series_decompose_forecast": (series, 10), "series_decompose_anomalies": (series,),
               "series_periods_detect": (PERIOD_SAMPLE, 0.0, 50.0, 2)}
    for name, columns in MULTI_COLUMN.items():
        result = call(name, *samples[name])
        assert isinstance(result, tuple) and len(result) == len(columns), name
