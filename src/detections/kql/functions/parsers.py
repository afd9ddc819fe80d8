"""Functions that parse structured text into dynamic values: URLs, query strings, file paths, XML."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.parsers import expat

from detections.kql.functions.common import text
from detections.kql.registry import scalar
from detections.kql.types import KType

Y = KType.DYNAMIC
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_URL_PARTS = ("Scheme", "Host", "Port", "Path", "Username", "Password", "Query Parameters", "Fragment")


def _query_parameters(query: str) -> dict[str, str]:
    return dict(parse_qsl(query, keep_blank_values=True))


@scalar("parse_url", 1, 1, Y)
def parse_url(value: Any) -> dict[str, Any]:
    """URL parts as the docs show them: Port and Path are text (Path without its leading /), the
    query is a bag; a relative or unparsable URL gives the parts empty."""
    url = text(value).strip()
    empty: dict[str, Any] = {part: "" for part in _URL_PARTS}
    empty["Query Parameters"] = {}
    if not _SCHEME.match(url):
        return empty
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return empty
    return {
        "Scheme": parts.scheme,
        "Host": parts.hostname or "",
        "Port": "" if port is None else str(port),
        "Path": parts.path[1:] if parts.path.startswith("/") else parts.path,
        "Username": parts.username or "",
        "Password": parts.password or "",
        "Query Parameters": _query_parameters(parts.query),
        "Fragment": parts.fragment,
    }


scalar("parseurl", 1, 1, Y, doc="deprecated alias of parse_url")(parse_url)


@scalar("parse_urlquery", 1, 1, Y)
def parse_urlquery(value: Any) -> dict[str, Any]:
    """{"Query Parameters": {...}} of a query string (with or without a leading ? or a full URL)."""
    query = text(value)
    if "?" in query:
        query = query.split("?", 1)[1]
    return {"Query Parameters": _query_parameters(query.split("#", 1)[0])}


_PATH_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_DRIVE = re.compile(r"^([A-Za-z]:)")


@scalar("parse_path", 1, 1, Y)
def parse_path(value: Any) -> dict[str, str]:
    """Scheme, RootPath (drive), DirectoryPath, DirectoryName, Filename, Extension and
    AlternateDataStreamName of a Windows or Unix path."""
    path = text(value)
    scheme = ""
    match = _PATH_SCHEME.match(path)
    if match:
        scheme, path = match.group(1), path[match.end():]
    if path.startswith("\\\\?\\"):
        path = path[4:]
    drive = _DRIVE.match(path)
    root = drive.group(1) if drive else ""
    stream = ""
    tail_start = len(root)
    colon = path.find(":", tail_start)
    if colon >= 0:
        path, stream = path[:colon], path[colon + 1:]
    cut = max(path.rfind("/"), path.rfind("\\"))
    directory, filename = (path[:cut], path[cut + 1:]) if cut >= 0 else ("", path)
    dir_cut = max(directory.rfind("/"), directory.rfind("\\"))
    dir_name = directory[dir_cut + 1:] if directory != root else ""
    extension = filename.rsplit(".", 1)[1] if "." in filename else ""
    return {
        "Scheme": scheme,
        "RootPath": root,
        "DirectoryPath": directory,
        "DirectoryName": dir_name,
        "Filename": filename,
        "Extension": extension,
        "AlternateDataStreamName": stream,
    }


class _XmlToJson:
    """Build Kusto's JSON form of XML: attributes as "@name", text as "#text" when an element also
    has attributes or children, repeated children as arrays, an empty element as null."""

    def __init__(self) -> None:
        self.stack: list[tuple[str, dict[str, Any], list[str]]] = [("", {}, [])]

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.stack.append((name, {f"@{key}": value for key, value in attributes.items()}, []))

    def end(self, _name: str) -> None:
        name, body, texts = self.stack.pop()
        content = "".join(texts).strip()
        if not body:
            node: Any = content or None
        else:
            if content:
                body["#text"] = content
            node = body
        parent = self.stack[-1][1]
        if name in parent:
            existing = parent[name]
            parent[name] = existing + [node] if type(existing) is list else [existing, node]
        else:
            parent[name] = node

    def characters(self, data: str) -> None:
        self.stack[-1][2].append(data)


@scalar("parse_xml", 1, 1, Y)
def parse_xml(value: Any) -> dict[str, Any] | None:
    """XML text as a dynamic bag (see _XmlToJson); null when it is not well-formed XML."""
    source = text(value)
    if not source or len(source.encode("utf-8")) > 1_048_576:
        return None
    builder = _XmlToJson()
    parser = expat.ParserCreate()
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.characters
    try:
        parser.Parse(source, True)
    except expat.ExpatError:
        return None
    return builder.stack[0][1] or None


def _windows_argv(line: str) -> list[str]:
    """Split like CommandLineToArgvW: whitespace separates, quotes group, 2n backslashes before a
    quote give n backslashes and a quote toggle, 2n+1 give n backslashes and a literal quote."""
    args: list[str] = []
    current: list[str] = []
    in_quotes, has_arg, i = False, False, 0
    while i < len(line):
        char = line[i]
        if char == "\\":
            run = len(line) - i - len(line[i:].lstrip("\\"))
            if i + run < len(line) and line[i + run] == '"':
                current.append("\\" * (run // 2))
                if run % 2:
                    current.append('"')
                    i += run + 1
                    has_arg = True
                    continue
                i += run
                continue
            current.append("\\" * run)
            i += run
            has_arg = True
            continue
        if char == '"':
            if in_quotes and i + 1 < len(line) and line[i + 1] == '"':
                current.append('"')
                i += 2
                continue
            in_quotes = not in_quotes
            has_arg = True
        elif char in " \t" and not in_quotes:
            if has_arg:
                args.append("".join(current))
                current, has_arg = [], False
        else:
            current.append(char)
            has_arg = True
        i += 1
    if has_arg:
        args.append("".join(current))
    return args


@scalar("parse_command_line", 2, 2, Y)
def parse_command_line(command: Any, parser: Any) -> list[str] | None:
    """The arguments of a Windows command line (the only parser Kusto supports)."""
    return _windows_argv(text(command)) if text(parser).lower() == "windows" else None
