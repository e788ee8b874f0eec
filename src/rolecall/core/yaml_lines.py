"""YAML that remembers where each mapping and key was written, so problems print as `path:line`."""

from __future__ import annotations

from rolecall.core.errors import Problem



class LineDict(dict):
    """A mapping that remembers the line of itself and of each of its keys."""

    line: int = 0
    key_lines: dict


def _yaml_loader():
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        def __init__(self, stream):
            super().__init__(stream)
            self.problems: list[tuple[int, str]] = []

    def construct_map(loader, node):
        data = LineDict()
        data.line = node.start_mark.line + 1
        data.key_lines = {}
        yield data
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                hash(key)
            except TypeError:
                loader.problems.append((line, "a key must be a plain value"))
                continue
            if key in data:
                loader.problems.append((line, f"duplicate key {key!r} (line {data.key_lines[key]} has it too)"))
            data[key] = loader.construct_object(value_node, deep=True)
            data.key_lines[key] = line

    Loader.add_constructor("tag:yaml.org,2002:map", construct_map)
    return yaml, Loader


def read_yaml(text: str, source: str) -> tuple[object, list[Problem]]:
    """Parse YAML keeping line numbers; a syntax error becomes a Problem, never an exception."""
    yaml, Loader = _yaml_loader()
    loader = Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        return None, [Problem(source, line, f"YAML syntax error: {what}")]
    except yaml.YAMLError as exc:
        return None, [Problem(source, None, f"YAML error: {str(exc).splitlines()[0]}")]
    except RecursionError:
        return None, [Problem(source, None, "YAML nested too deeply")]
    finally:
        loader.dispose()
    return data, [Problem(source, line, msg) for line, msg in loader.problems]
