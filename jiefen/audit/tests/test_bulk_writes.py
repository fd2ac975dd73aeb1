"""Every QuerySet.update() and bulk_create() on an audited model is recorded.

Signals do not see these writes (audit/capture.py), so the code must record them itself with
jiefen.audit.services.audit_bulk in the same function. This test reads every module of jiefen
(tests and migrations aside), finds each `.update(` and `.bulk_create(` whose receiver is a
model's manager or a queryset built from one (directly, or through a local variable), and
fails unless the model is not audited, the function calls audit_bulk, or the line carries an
`# audit-exempt: <why>` comment saying why the write needs no record of its own.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from django.db.models import Model

from jiefen.audit.capture import audited

ROOT = Path(__file__).resolve().parents[2]  # jiefen/
WRITES = {"update", "bulk_create", "bulk_update"}
MANAGERS = {"objects", "_base_manager", "_default_manager"}


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts or parts[-1] == "conftest.py":
            continue
        yield path, "jiefen." + ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _root_model(node: ast.AST, assigned: dict[str, list[ast.AST]]) -> str | None:
    """The class name at the root of `Model.objects…` (through local variables), or None."""
    seen_manager = False
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            seen_manager = seen_manager or node.attr in MANAGERS
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            if seen_manager:
                return node.id
            for value in assigned.pop(node.id, []):  # popped: no loop through `x = x.filter()`
                found = _root_model(value, assigned)
                if found:
                    return found
            return None
        else:
            return None


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def bulk_writes():
    """(where, model, function calls audit_bulk, exempt) for every bulk write found."""
    found = []
    for path, name in _modules():
        source = path.read_text()
        if ".update(" not in source and "bulk_create(" not in source:
            continue
        lines = source.splitlines()
        tree = ast.parse(source)
        module = importlib.import_module(name)
        for function in _functions(tree):
            assigned: dict[str, list[ast.AST]] = {}
            for node in ast.walk(function):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            assigned.setdefault(target.id, []).append(node.value)
            records = any(
                isinstance(n, ast.Call)
                and getattr(n.func, "id", getattr(n.func, "attr", "")) == "audit_bulk"
                for n in ast.walk(function)
            )
            for call in ast.walk(function):
                if not (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr in WRITES
                ):
                    continue
                if (
                    isinstance(call.func.value, ast.Call)
                    and getattr(call.func.value.func, "id", "") == "super"
                ):
                    continue  # a manager's own bulk_create, whose callers are checked
                model_name = _root_model(call.func.value, {k: list(v) for k, v in assigned.items()})
                model = getattr(module, model_name, None) if model_name else None
                if model is None and model_name:
                    model = _local_import(function, model_name)
                if not (isinstance(model, type) and issubclass(model, Model)):
                    continue
                span = lines[call.lineno - 2 : call.end_lineno]
                exempt = any("# audit-exempt:" in line for line in span)
                where = f"{path.relative_to(ROOT.parent)}:{call.lineno}"
                found.append((where, model, records, exempt))
    return found


def _local_import(function: ast.AST, name: str):
    for node in ast.walk(function):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    return getattr(importlib.import_module(node.module), alias.name, None)
    return None


def test_it_finds_the_bulk_writes_it_must_check():
    where = {w.split(":")[0] for w, *_rest in bulk_writes()}
    for path in (
        "jiefen/api/tokens.py",
        "jiefen/meetings/services.py",
        "jiefen/supervision/campaigns.py",
        "jiefen/receptions/services.py",
        "jiefen/privacy/retention.py",
        "jiefen/portal/services.py",
    ):
        assert path in where


def test_every_bulk_write_on_an_audited_model_is_recorded():
    unrecorded = [
        f"{where} {model.__name__}"
        for where, model, records, exempt in bulk_writes()
        if audited(model) and not records and not exempt
    ]
    assert not unrecorded, "bulk writes not recorded through audit_bulk: " + ", ".join(unrecorded)
