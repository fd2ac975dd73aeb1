"""Only the dispute app queries its own tables: every other app reads disputes, parties, events
and level stays through `jiefen.disputes.reads` (or the page selectors) and writes them through
the dispute services. Checked by reading the source (AST), so a new `Dispute.objects` in
another app fails here, not in review."""

import ast
from pathlib import Path

import jiefen

MODELS = {"Dispute", "Party", "Event", "LevelStay"}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
ROOT = Path(jiefen.__file__).parent

# Files outside jiefen/disputes allowed to query the dispute tables, each with its reason.
# Empty: keep it that way unless there is a real reason, written next to the entry.
ALLOWED: dict[str, str] = {}


def _skipped(path: Path) -> bool:
    """The dispute app itself; tests and conftest (they build worlds and look at the rows);
    migrations (they run on the historical models of their moment, not on the app's API)."""
    parts = path.relative_to(ROOT).parts
    return (
        parts[0] == "disputes"
        or "tests" in parts
        or "migrations" in parts
        or path.name == "conftest.py"
        or path.name.startswith("test_")
    )


def direct_queries(source: str) -> list[tuple[int, str]]:
    """(line, model) of each `Model.objects` (or `_default_manager`) of a dispute table, also
    through an alias (`from jiefen.disputes.models import Event as E`) or a module
    (`models.Event.objects`)."""
    tree = ast.parse(source)
    names = set(MODELS)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("jiefen.disputes"):
            names |= {a.asname for a in node.names if a.name in MODELS and a.asname}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS:
            owner = node.value
            name = (
                owner.id
                if isinstance(owner, ast.Name)
                else owner.attr
                if isinstance(owner, ast.Attribute)
                else None
            )
            if name in names:
                found.append((node.lineno, name))
    return found


def test_the_scan_finds_a_query_written_any_of_the_usual_ways():
    source = (
        "from jiefen.disputes.models import Event as E\n"
        "from jiefen.disputes import models\n"
        "a = Dispute.objects.filter(pk=1)\n"
        "b = E.objects.count()\n"
        "c = models.Party.objects.all()\n"
        "d = LevelStay._default_manager.all()\n"
        "e = Session.objects.all()  # not one of the four\n"
        "f = dispute.events.all()  # a related manager from a dispute in hand\n"
    )
    assert [line for line, _model in direct_queries(source)] == [3, 4, 5, 6]


def test_no_app_but_disputes_queries_the_dispute_tables():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        if _skipped(path):
            continue
        rel = str(path.relative_to(ROOT.parent))
        if rel in ALLOWED:
            continue
        for line, model in direct_queries(path.read_text(encoding="utf-8")):
            offenders.append(f"{rel}:{line} {model}.objects")
    assert offenders == [], (
        "read through jiefen.disputes.reads and write through jiefen.disputes.services:\n"
        + "\n".join(offenders)
    )


def test_every_allowed_file_still_needs_its_place():
    for rel, reason in ALLOWED.items():
        assert reason.strip()
        assert direct_queries((ROOT.parent / rel).read_text(encoding="utf-8")), rel
