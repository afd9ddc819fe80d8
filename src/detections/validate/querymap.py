"""Place a problem found inside a content item's query (or any string) in the content file."""

from __future__ import annotations

from detections.content.model import Location
from detections.content.querymap import string_location
from detections.validate.base import Item, KeyPath


def query_location(item: Item, key_path: KeyPath, line: int, column: int) -> Location:
    """The file position of (line, column), both 1-based, of the string at `key_path`."""
    if item.source is None or key_path not in item.source.positions:
        return Location(item.path, 1, 1)
    if item.path.suffix.lower() == ".json":  # a JSON string holds the whole query on its key's line, escaped
        return item.source.locate(*key_path)
    return string_location(item.source.locate(*key_path), line, column)
