from datetime import timedelta

import pytest

from detections.content.model import HuntingQuery
from detections.ruletest import simulate as sim

from .helpers import NOW, case, rule

H = timedelta(hours=1)
M = timedelta(minutes=1)


@pytest.fixture
def engine(monkeypatch):
    """A stand-in engine: the query returns every AWSCloudTrail row it is given; calls are recorded."""
    calls = []

    def execute(query, tables, now, case):
        calls.append((now, tables))
        rows = [{"Name": r["Name"]} for r in tables.get("AWSCloudTrail", [])]
        return ["Name"], rows, []

    monkeypatch.setattr(sim, "execute", execute)
    return calls


def rows_at(*offsets, table="AWSCloudTrail"):
    return {table: [{"Name": f"at {o}", "TimeGenerated": NOW + o} for o in offsets]}


def test_lookback_is_query_period_before_now_exclusive_start(engine):
    tables = rows_at(-30 * M, -59 * M, -H, -61 * M, +M)
    outcome = sim.simulate(rule(query_period=H), case(tables))
    assert [r["Name"] for r in outcome.rows] == [f"at {-30 * M}", f"at {-59 * M}"]
    assert engine[0][0] == NOW


def test_lookback_applies_to_every_table_the_query_reads(engine):
    tables = {**rows_at(-10 * M), **rows_at(-2 * H, -10 * M, table="SecurityEvent")}
    sim.simulate(rule(), case(tables))
    seen = engine[0][1]
    assert [r["Name"] for r in seen["SecurityEvent"]] == [f"at {-10 * M}"]


def test_threshold_decides_firing(engine):
    two = rows_at(-M, -2 * M)
    assert sim.simulate(rule(trigger_operator="gt", trigger_threshold=1), case(two)).fired
    quiet = sim.simulate(rule(trigger_operator="gt", trigger_threshold=2), case(two))
    assert not quiet.fired and quiet.alerts == [] and len(quiet.rows) == 2


def test_timeline_shows_double_alerting_on_overlapping_lookbacks(engine):
    # Runs every hour looking back 2h, at now-3h, now-2h, now-1h, now; one event at now-90m.
    r = rule(query_frequency=H, query_period=2 * H)
    outcome = sim.simulate(r, case(rows_at(-90 * M), runs=4))
    assert [run.time for run in outcome.runs] == [NOW - 3 * H, NOW - 2 * H, NOW - H, NOW]
    assert [len(run.alerts) for run in outcome.runs] == [0, 0, 1, 1]
    assert [now for now, _ in engine] == [NOW - 3 * H, NOW - 2 * H, NOW - H, NOW]


def test_nrt_runs_see_what_arrived_since_the_previous_run(engine):
    nrt = rule(kind="NRT", query_frequency=None, query_period=None, trigger_operator=None, trigger_threshold=None)
    single = sim.simulate(nrt, case(rows_at(-10 * M, -30 * M)))
    assert len(single.alerts) == 1 and len(single.rows) == 2
    # Runs at now-2m, now-1m, now: the first sees everything up to now-2m (-10m), the second what arrived
    # in (now-2m, now-1m] (-90s), the third nothing new.
    timeline = sim.simulate(nrt, case(rows_at(-timedelta(seconds=90), -10 * M), runs=3))
    assert [len(run.rows) for run in timeline.runs] == [1, 1, 0]


def test_hunting_query_sees_everything_and_fires_on_any_row(engine):
    hunt = HuntingQuery(path=rule().path, id="h", name="Hunt", description="", query="AWSCloudTrail")
    outcome = sim.simulate(hunt, case(rows_at(-30 * 24 * H)))
    assert outcome.fired and outcome.alerts == [] and len(outcome.rows) == 1


def test_unused_record_tables_watchlists_and_externaldata_are_found():
    c = case({"AWSCloudTrail": [], "AWSVPCFlow": [], "SecurityEvent": []})
    c.watchlists = {"TrustedIPs": [], "Admins": []}
    c.externaldata = {"https://example.com/a.csv": [], "https://example.com/b.csv": []}
    query = ("let t = _GetWatchlist('TrustedIPs'); let x = externaldata(Ip:string)[\"https://example.com/a.csv\"];"
             " AWSCloudTrail | union (SecurityEventX) | where Type != 'x.AWSVPCFlow'")
    assert sim.unused_inputs(query, c) == [
        ("records", "AWSVPCFlow"), ("records", "SecurityEvent"),
        ("watchlists", "Admins"), ("externaldata", "https://example.com/b.csv"),
    ]
