"""Writing files and folders whole or not at all.

Every command that writes (package, export, workbook import/export, reports) goes through here: the
data goes to a temporary sibling that is renamed over the target, so an error or Ctrl-C half-way
never leaves a truncated template, rule or report behind for CI or a reviewer to pick up.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_text(path: Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8, line breaks as given) in one rename; OSError on failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, 0o666 & ~umask())  # mkstemp's 0600 would hide the file from others
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def staging_folder(target: Path) -> Path:
    """An empty folder beside `target` with normal permissions, to fill and then rename to `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    staging.chmod(0o777 & ~umask())  # mkdtemp's 0700 would make the result private after the rename
    return staging


def umask() -> int:
    """The process umask (reading it means setting it, so it is set straight back)."""
    current = os.umask(0)
    os.umask(current)
    return current
