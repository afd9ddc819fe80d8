"""Read content ids as they were at a git ref, with one `git cat-file --batch` for all files."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

_ID_LINE = re.compile(rb"""^id:[ \t]*['"]?([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})""",
                      re.MULTILINE)


class GitError(Exception):
    """git is missing, the folder is not a checkout, or the ref does not exist."""


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if done.returncode != 0:
        raise GitError(done.stderr.decode(errors="replace").strip() or f"git {args[0]} failed")
    return done.stdout


def ids_at(ref: str, root: Path, paths: list[Path]) -> dict[Path, str | None]:
    """The top-level `id:` of each file at `ref` (None when the file did not exist there or has no id)."""
    if not ref or ref.startswith("-") or any(ch.isspace() or not ch.isprintable() for ch in ref):
        # an option-like or multi-line ref would be read by git as an option or break the batch protocol
        raise GitError(f"{ref!r} is not a git ref")
    top = Path(_git(root, "rev-parse", "--show-toplevel").decode().strip())
    _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    names = [Path(p).resolve().relative_to(top.resolve()).as_posix() for p in paths]
    request = "".join(f"{ref}:{name}\n" for name in names).encode()
    output = _git(root, "cat-file", "--batch", stdin=request)
    result: dict[Path, str | None] = {}
    offset = 0
    for path in paths:
        end = output.index(b"\n", offset)
        header = output[offset:end].split()
        offset = end + 1
        if len(header) < 3 or header[-1] == b"missing":
            result[path] = None
            continue
        size = int(header[2])
        blob = output[offset:offset + size]
        offset += size + 1
        match = _ID_LINE.search(blob)
        result[path] = match[1].decode() if match else None
    return result
