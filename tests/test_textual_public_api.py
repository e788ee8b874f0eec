"""The app uses Textual's public API only, so a Textual minor release cannot break it unseen.

Two ways rolecall's code could lean on Textual's private names, both found by reading the code
(AST), not by a grep: reading or setting an underscore attribute of another object (a tree
node's `_children`, the app's `_notifications`), and a Textual subclass defining or using an
underscore name that one of its Textual base classes already has (overriding `_handle_exception`,
setting `_exception`, or clashing with a private attribute by accident).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from functools import cache
from pathlib import Path

import textual

import rolecall

SRC = Path(rolecall.__file__).parent
TEXTUAL = Path(textual.__file__).parent


NAMEDTUPLE_API = {"_replace", "_asdict", "_fields", "_make", "_field_defaults"}  # public, underscored by design


def private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name not in NAMEDTUPLE_API


@cache
def textual_private_names() -> frozenset[str]:
    """Every underscore attribute or method name Textual's own source defines or uses."""
    names: set[str] = set()
    for path in TEXTUAL.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and private(node.attr):
                names.add(node.attr)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and private(node.name):
                names.add(node.name)
    return frozenset(names)


@cache
def names_on_self(cls: type) -> frozenset[str]:
    """The underscore names a class's own source defines (methods, class attributes) or
    reaches through `self`/`cls`."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    names = set()
    [definition] = tree.body
    assert isinstance(definition, ast.ClassDef)
    for statement in definition.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(statement.name)
        elif isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names |= {target.id for target in targets if isinstance(target, ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
            names.add(node.attr)
    return frozenset(name for name in names if private(name))


def textual_names_of(cls: type) -> set[str]:
    """The underscore names of the Textual classes `cls` derives from (attributes set on self
    in their source too, which `dir` does not list)."""
    bases = [base for base in cls.__mro__ if base.__module__.startswith("textual.")]
    return set().union(*({name for name in vars(base) if private(name)} | names_on_self(base) for base in bases))


def modules():
    """The app's modules: the only ones that import textual (core never does, tests/test_layout.py)."""
    for info in pkgutil.walk_packages([str(SRC / "tui")], "rolecall.tui."):
        yield importlib.import_module(info.name)


def test_no_rolecall_class_touches_a_private_name_of_its_textual_bases():
    found = []
    for module in modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not any(
                base.__module__.startswith("textual.") for base in cls.__mro__
            ):
                continue
            clashes = names_on_self(cls) & textual_names_of(cls)
            found += [f"{module.__name__}.{cls.__name__}.{name}" for name in sorted(clashes)]
    assert not found, found


def test_no_code_reads_a_private_textual_attribute_of_another_object():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules_here = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and node.attr in textual_private_names()):
                continue
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            if owner in ("self", "cls") or owner in modules_here:  # own state (checked above), `os._exit`
                continue
            found.append(f"{path.relative_to(SRC)}:{node.lineno}: {ast.unparse(node)}")
    assert not found, found


def test_the_checks_see_what_they_look_for():
    """Each check finds the kind of use it forbids (so an empty answer means something)."""
    from textual.app import App
    from textual.widgets import Tree

    class Reaching(App[None]):
        def _handle_exception(self, error: Exception) -> None:
            self._return_code = 1

    assert {"_handle_exception", "_return_code"} <= names_on_self(Reaching) & textual_names_of(Reaching)
    assert "_children" in textual_private_names() and "_tree_lines" in names_on_self(Tree)
