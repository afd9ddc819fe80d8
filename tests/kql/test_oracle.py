"""Differential test: our parser and binder against Microsoft's Kusto.Language (the oracle).

For every query in tests/kql/oracle_queries/*.kql (blocks separated by a line `//---`), every rule
and hunting query of this repository, and every published query in ../shared/corpus when it is
present, the oracle (tools/kusto-oracle/oracle.js,
run once per session in node) says whether the query parses, whether it is valid against the four
product tables, and which columns it returns. We check that:
  - parse() raises KqlSyntaxError exactly when the oracle finds a syntax error;
  - bind() succeeds exactly when the oracle finds the query valid, with the same column names and types.
Skipped when node/npm are not installed. See docs/kql-oracle.md.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from detections.kql import bind
from detections.kql.errors import KqlError, KqlSyntaxError
from detections.kql.parser import parse
from published_corpus import CORPUS

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ORACLE_DIR = REPO / "tools" / "kusto-oracle"
QUERY_DIR = HERE / "oracle_queries"
SHARED_SCHEMAS = REPO.parent / "shared" / "schemas"
SEPARATOR = "//---"
PRODUCT_TABLES = ("AWSCloudTrail", "AWSGuardDuty", "AWSVPCFlow", "SecurityEvent")

# Sentinel's workspace function for watchlists, declared to the oracle as Sentinel declares it.
WATCHLIST_FUNCTION = {
    "name": "_GetWatchlist",
    "params": "(watchlistAlias:string)",
    "body": "{ datatable(SearchKey:string, LastUpdatedTimeUTC:datetime, WatchlistItem:dynamic)[] }",
}

# Queries where our answer is knowingly different from the oracle's: id -> reason. Parser entries are
# strict xfails (a fix fails the test until the entry is deleted); binder entries are plain xfails
# while the engine grows. See docs/kql-oracle.md.
KNOWN_PARSE_DIFFERENCES: dict[str, str] = {}
KNOWN_BIND_DIFFERENCES: dict[str, str] = {
    "operators.kql#70": "the fork operator is not implemented (explicit KqlUnsupportedError)",
    "operators.kql#74": "union kind=inner: we keep the columns common to all inputs as the union docs say; "
                        "Kusto.Language's static schema lists every column",
    "operators.kql#91": "the partition operator is not implemented (explicit KqlUnsupportedError)",
    "semantic_errors.kql#42": "Kusto.Language does not check literal values; datetime(2024-02-30) fails in the "
                              "service, and we report it before deployment",
    "semantic_errors.kql#53": "Kusto.Language accepts a scalar let piped into take; we reject it as not a table",
    "semantic_errors.kql#60": "sum() of datetimes: Kusto.Language 12.4.1 types it as datetime, but adding points "
                              "in time has no meaning; we reject it when binding (sum a timespan instead)",
    "semantic_errors.kql#78": "Kusto.Language does not compile regex literals; the service rejects an invalid "
                              "pattern, and we report it before deployment",
    "semantic_errors.kql#79": "Kusto.Language does not compile regex literals (a lone trailing backslash); the "
                              "service rejects it, and we report it before deployment",
}


def _blocks(text: str) -> list[str]:
    blocks, current = [], []
    for line in text.splitlines():
        if line.strip() == SEPARATOR:
            blocks.append("\n".join(current))
            current = []
        else:
            current.append(line)
    blocks.append("\n".join(current))
    return [block.strip() for block in blocks if block.strip() and not _only_comments(block)]


def _only_comments(block: str) -> bool:
    return all(not line.strip() or line.strip().startswith("//") for line in block.splitlines())


def _yaml_queries(root: Path, prefix: str, pattern: str = "**/*.yaml") -> dict[str, str]:
    """`query` of every YAML document under root (rules, hunting queries), keyed "<prefix>/<path>"."""
    if not root.is_dir():
        return {}
    import yaml

    found = {}
    for path in sorted(root.glob(pattern)):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue  # reported by `detections validate`, not here
        if isinstance(document, dict) and isinstance(document.get("query"), str):
            found[f"{prefix}/{path.relative_to(root)}"] = document["query"]
    return found


def load_queries() -> dict[str, str]:
    """id -> query text: "file.kql#n" blocks, our own rules and hunting queries ("rules/...",
    "hunting/..."), and the published corpus ("corpus/...") when ../shared/corpus exists."""
    queries: dict[str, str] = {}
    for path in sorted(QUERY_DIR.glob("*.kql")):
        for number, block in enumerate(_blocks(path.read_text(encoding="utf-8")), start=1):
            queries[f"{path.name}#{number}"] = block
    queries.update(_yaml_queries(REPO / "rules", "rules"))
    queries.update(_yaml_queries(REPO / "hunting", "hunting"))
    queries.update(_yaml_queries(CORPUS, "corpus"))
    return queries


QUERIES = load_queries()


def product_schemas() -> dict[str, dict[str, str]]:
    """Column types of the four product tables: our built-in schemas, or the shared facts without them."""
    try:
        from detections.tables import TABLES
    except ImportError:
        return {
            name: {c["name"]: c["type"] for c in json.loads((SHARED_SCHEMAS / f"{name}.json").read_text())}
            for name in PRODUCT_TABLES
        }
    return {name: {column: ktype.value for column, ktype in TABLES[name].items()} for name in PRODUCT_TABLES}


def _install_oracle() -> None:
    if (ORACLE_DIR / "node_modules" / "@kusto" / "language-service-next").is_dir():
        return
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ORACLE_DIR, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"npm ci in {ORACLE_DIR} failed:\n{done.stderr[-2000:]}"


@pytest.fixture(scope="session")
def oracle() -> dict[str, dict]:
    """The oracle's answer for every query id (one node process for the whole session)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed: the Kusto.Language oracle cannot run")
    _install_oracle()
    schema = {"tables": product_schemas(), "functions": [WATCHLIST_FUNCTION]}
    requests = "\n".join(json.dumps({"id": key, "query": text, "schema": schema}) for key, text in QUERIES.items())
    done = subprocess.run(["node", str(ORACLE_DIR / "oracle.js")], input=requests, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    errors = [a for a in answers if "error" in a]
    assert not errors, errors[:3]
    return {a["id"]: a for a in answers}


def _errors(answer: dict) -> str:
    diags = answer["syntax"] + answer["semantic"]
    return "; ".join(f"{d['code']} at {d['start']}: {d['message']}" for d in diags if d["severity"] == "Error")


# Published corpus queries (present only with ../shared/corpus) we knowingly answer differently,
# by file name, since the corpus snapshot decides the folder: file name -> reason.
KNOWN_CORPUS_BIND_DIFFERENCES: dict[str, str] = {
    "ADFSRemoteAuthSyncConnection.yaml": "reads Account after a project that dropped it; Kusto.Language lets it "
                                         "pass only because the schema after evaluate pivot is open",
}


def _known(key: str, known: dict[str, str]) -> str | None:
    if key in known:
        return known[key]
    if key.startswith("corpus/") and known is KNOWN_BIND_DIFFERENCES:
        return KNOWN_CORPUS_BIND_DIFFERENCES.get(key.rsplit("/", 1)[-1])
    return None


def _params(known: dict[str, str], *, strict: bool):
    return [
        pytest.param(key, marks=pytest.mark.xfail(strict=strict, reason=reason))
        if (reason := _known(key, known)) is not None else key
        for key in QUERIES
    ]


def test_known_differences_name_existing_queries():
    assert set(KNOWN_PARSE_DIFFERENCES) <= set(QUERIES)
    assert set(KNOWN_BIND_DIFFERENCES) <= set(QUERIES)


@pytest.mark.parametrize("key", _params(KNOWN_PARSE_DIFFERENCES, strict=True))
def test_parse_agrees_with_oracle(key, oracle):
    """Our parser raises a syntax error exactly when Kusto.Language finds one."""
    answer = oracle[key]
    try:
        parse(QUERIES[key])
        ours = None
    except KqlSyntaxError as err:
        ours = err
    except KqlError:
        ours = None  # semantic or unsupported: the text itself parsed
    if answer["parses"]:
        assert ours is None, f"we reject a query Kusto parses: {ours}"
    else:
        assert ours is not None, f"we accept a query Kusto rejects: {_errors(answer)}"


@pytest.mark.parametrize("key", _params(KNOWN_BIND_DIFFERENCES, strict=False))
def test_bind_agrees_with_oracle(key, oracle):
    """bind() accepts exactly the queries Kusto.Language finds valid, with the same output columns."""
    answer = oracle[key]
    try:
        columns = bind(QUERIES[key])
        ours: KqlError | None = None
    except KqlError as err:
        ours, columns = err, None
    if not answer["valid"]:
        assert ours is not None, f"we accept a query Kusto rejects: {_errors(answer)}"
        return
    assert ours is None, f"we reject a query Kusto accepts: {type(ours).__name__}: {ours}"
    result = answer["result"]
    if result is None or result["kind"] != "table":
        return  # fork and other multi-result queries: validity only
    expected = [(c["name"], c["type"]) for c in result["columns"]]
    if any(ktype == "unknown" for _, ktype in expected):
        return  # columns of tables we do not have, or made by bag_unpack/pivot from data: validity only
    assert [(name, ktype.value) for name, ktype in columns] == expected


def test_queries_are_loaded_from_every_file():
    files = {key.split("#")[0] for key in QUERIES if "#" in key}
    assert files == {path.name for path in QUERY_DIR.glob("*.kql")}
    assert len(QUERIES) >= 250


def test_blocks_are_split_on_separator_lines_only():
    text = "T | take 1\n//---\n// only a comment\n//---\nT\n| where A == '//---'\n  //---  \nprint 1\n"
    assert _blocks(text) == ["T | take 1", "T\n| where A == '//---'", "print 1"]
