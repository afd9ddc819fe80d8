"""notebooks/hunting.ipynb: valid nbformat 4, every code cell is Python once magics are set aside,
and the offline cell runs against our engine as written."""

from __future__ import annotations

import ast
import json
from pathlib import Path

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "hunting.ipynb"


def cells() -> list[dict]:
    document = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert document["nbformat"] == 4 and document["nbformat_minor"] >= 4
    assert document["metadata"]["kernelspec"]["language"] == "python"
    return document["cells"]


def test_structure_and_code_cells_parse():
    ids = set()
    for cell in cells():
        assert cell["cell_type"] in ("markdown", "code") and isinstance(cell["source"], list)
        ids.add(cell["id"])
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
            source = "".join(cell["source"])
            if not source.startswith("%%"):
                ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith("%")))
    assert len(ids) == len(cells())


def test_offline_cell_runs(capsys):
    offline = [c for c in cells() if "offline" in c.get("metadata", {}).get("tags", [])]
    assert len(offline) == 1
    exec(compile("".join(offline[0]["source"]), "hunting.ipynb", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "[('AWSRegion', 'string'), ('count_', 'long')] [['eu-west-1', 2], ['us-east-1', 1]]"
    assert printed[1].endswith("[['UnauthorizedAccess:EC2/SSHBruteForce', 1]]")
