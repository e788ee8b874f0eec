"""YAML that remembers where each mapping and key was written, so problems print as `path:line`.

Hostile input stays cheap: the node graph is measured before anything is built, so aliases that
expand to far more values than the file holds (an "alias bomb") are one Problem, and every message
quotes at most a short piece of what it is about.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from rolecall.core.domain.errors import Problem

MAX_EXPANSION = 100_000  # values aliases may add beyond those written in the file
MAX_QUOTED = 60  # characters of a key or value quoted in a message


class LineDict(dict[str, Any]):
    """A mapping that remembers the line of itself and of each of its keys."""

    line: int = 0
    key_lines: dict[str, Any]


class AliasBomb(Exception):
    """The document's aliases expand to more values than MAX_EXPANSION allows, or refer to themselves."""


def short(value: object) -> str:
    """repr(value), cut to MAX_QUOTED characters: a message never grows with the input."""
    text = repr(value) if not isinstance(value, (dict, list, tuple, set)) else f"a {type(value).__name__}"
    return text if len(text) <= MAX_QUOTED else text[: MAX_QUOTED - 3] + "..."


def expanded_size(root: Any) -> int:  # a yaml.Node
    """How many values the node graph holds once every alias is expanded (linear time: each node
    is measured once). Raises AliasBomb past the limit or on an alias to itself."""
    sizes: dict[int, int] = {}
    visiting: set[int] = set()

    def size(node: Any) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        if id(node) in visiting:
            raise AliasBomb("an alias refers to the value that contains it")
        visiting.add(id(node))
        total = 1
        if isinstance(node.value, list):
            for item in node.value:
                for child in item if isinstance(item, tuple) else (item,):
                    total += size(child)
                    if total > len(sizes) + MAX_EXPANSION:
                        raise AliasBomb(f"aliases expand to more than {MAX_EXPANSION:,} values")
        visiting.discard(id(node))
        sizes[id(node)] = total
        return total

    return size(root)


def _yaml_loader() -> tuple[Any, Any]:  # (the yaml module, a Loader class keeping line numbers)
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    # mypy cannot take a base chosen at run time (libyaml's CSafeLoader when PyYAML was built with it).
    class Loader(base):  # type: ignore[misc, valid-type]
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.problems: list[tuple[int, str]] = []

    def construct_map(loader: Any, node: Any) -> Iterator[LineDict]:
        data = LineDict()
        data.line = node.start_mark.line + 1
        data.key_lines = {}
        yield data
        own = sum(1 for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge")
        loader.flatten_mapping(node)
        merged = len(node.value) - own  # `<<:` pairs come first; the mapping's own keys override them
        written: set[Any] = set()
        for position, (key_node, value_node) in enumerate(node.value):
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                hash(key)
            except TypeError:
                loader.problems.append((line, "a key must be a plain value"))
                continue
            if position >= merged:
                if key in written:
                    loader.problems.append(
                        (line, f"duplicate key {short(key)} (line {data.key_lines[key]} has it too)")
                    )
                written.add(key)
            data[key] = loader.construct_object(value_node, deep=True)
            data.key_lines[key] = line

    Loader.add_constructor("tag:yaml.org,2002:map", construct_map)
    return yaml, Loader


def _cut(text: str) -> str:
    return text if len(text) <= 200 else text[:197] + "..."


def read_yaml(text: str, source: str) -> tuple[object, list[Problem]]:
    """Parse YAML keeping line numbers; a syntax error becomes a Problem, never an exception."""
    yaml, Loader = _yaml_loader()
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        if "&" in text:  # an alias needs an anchor (`&name`): without one, the file's size bounds the values
            expanded_size(node)
        data = loader.construct_document(node)
    except AliasBomb as exc:
        return None, [Problem(source, None, f"YAML refused: {exc}")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        return None, [Problem(source, line, _cut(f"YAML syntax error: {what}"))]
    except yaml.YAMLError as exc:
        return None, [Problem(source, None, _cut(f"YAML error: {str(exc).splitlines()[0]}"))]
    except RecursionError:
        return None, [Problem(source, None, "YAML nested too deeply")]
    finally:
        loader.dispose()
    return data, [Problem(source, line, _cut(msg)) for line, msg in loader.problems]


class EntryProblems:
    """Problems about one entry (a mapping) of a YAML list, each at the line of the key at fault."""

    def __init__(
        self,
        node: object,
        source_path: str | os.PathLike[str],
        line: int | None,
        kind: str,
        known: set[str],
        expected: str,
    ):
        self.node, self.source, self.line, self.kind = node, str(source_path), line, kind
        self.problems: list[Problem] = []
        if not isinstance(node, dict):
            self.add(f"each {kind} must be a mapping with {expected}")
            return
        for key in node:
            if key not in known:
                self.add(f"unknown key {key!r} in a {kind} (known: {', '.join(sorted(known))})", key)

    def add(self, message: str, key: str | None = None) -> None:
        key_lines = getattr(self.node, "key_lines", {})
        self.problems.append(Problem(self.source, key_lines.get(key, self.line) if key else self.line, message))
