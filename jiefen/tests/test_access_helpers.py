"""Views fetch an object only through their app's access helper (`<app>/access.py`), which asks
for it *for this actor*, so a foreign one is answered as a missing one by the query itself — no
view fetches a row by its key and checks access afterwards. Checked by reading the source
(AST), so a new `get_object_or_404(...)` or `Model.objects.get(pk=...)` in a view fails here,
not in review."""

import ast
from pathlib import Path

import jiefen

ROOT = Path(jiefen.__file__).parent
KEYS = {"pk", "id"}
FETCHES = {"get", "first", "last"}

# View-module lines allowed to fetch a row by its key, "<path>:<code>" with the reason.
ALLOWED: dict[str, str] = {
    # The person half-way through signing in: their own account, named by the session the
    # password step wrote, not by anything in the request.
    "accounts/views.py:"
    "get_user_model().objects.filter(pk=pending['user'], is_active=True).first()": (
        "the user's own account during sign-in"
    ),
    # The audit chain's one head row, the same for everyone who may see the audit pages.
    "audit/views.py:ChainHead.objects.filter(pk=1).first()": "the single chain-head row",
}

# View-module lines allowed to ask a scope whether it holds a code or a range, with the reason.
ALLOWED_SCOPE_CHECKS: dict[str, str] = {
    # Breadcrumbs: which ancestors of a region already fetched through region_for get a link.
    "evaluation/views.py:scope.covers(r.span)": "links only, no object is fetched",
    # A filing's jurisdiction_id is input, refused with its own answer (403, Open311), not a
    # fetched object hidden as missing.
    "api/open311.py:scope_of(limited_actor(token)).contains(region.code)": (
        "validation of a filing's input region"
    ),
}


def view_modules() -> list[Path]:
    """Every module that answers requests: views.py, *_views.py, and the API's modules."""
    found = set(ROOT.glob("*/views.py")) | set(ROOT.glob("*/*_views.py"))
    found |= set((ROOT / "api").glob("*.py"))
    return sorted(p for p in found if p.name != "access.py" and "tests" not in p.parts)


def _chain_root(node: ast.AST) -> ast.AST:
    """The start of a call/attribute chain: `Model` of `Model.objects.filter(...).first()`."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            node = node.value
        else:
            return node


def _through_manager(node: ast.AST) -> bool:
    """Whether the chain goes through a model's manager (`.objects`, `_default_manager`)."""
    while isinstance(node, (ast.Call, ast.Attribute)):
        if isinstance(node, ast.Attribute) and node.attr in {"objects", "_default_manager"}:
            return True
        node = node.func if isinstance(node, ast.Call) else node.value
    return False


def _keyed(node: ast.AST) -> bool:
    """Whether some call of the chain names a row by its key (pk=…, id=…)."""
    while isinstance(node, (ast.Call, ast.Attribute)):
        if isinstance(node, ast.Call):
            if any(k.arg in KEYS for k in node.keywords):
                return True
            node = node.func
        else:
            node = node.value
    return False


def keyed_fetches(source: str) -> list[tuple[int, str]]:
    """(line, text) of each `get_object_or_404(...)` and each `X.objects…get/first(pk=…)`."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (isinstance(func, ast.Name) and func.id in {"get_object_or_404", "get_list_or_404"}) or (
            isinstance(func, ast.Attribute)
            and func.attr in FETCHES
            and _through_manager(func.value)
            and _keyed(node)
        ):
            found.append((node.lineno, ast.unparse(node)))
    return found


def scope_checks(source: str) -> list[tuple[int, str]]:
    """(line, text) of each `<scope>.contains(code)` / `.covers(span)`: a check made after the
    fetch, where the query should have been scoped."""
    tree = ast.parse(source)
    return [
        (node.lineno, ast.unparse(node))
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"contains", "covers"}
        and len(node.args) == 1
    ]


def _offences(scan, allowed: dict[str, str]) -> list[str]:
    found = []
    for path in view_modules():
        name = path.relative_to(ROOT).as_posix()
        for line, text in scan(path.read_text(encoding="utf-8")):
            if f"{name}:{text}" not in allowed:
                found.append(f"{name}:{line}: {text}")
    return found


def test_the_scan_finds_a_keyed_fetch_written_any_of_the_usual_ways():
    source = (
        "def v(request, pk):\n"
        "    a = get_object_or_404(Meeting, pk=pk)\n"
        "    b = Booking.objects.get(pk=pk)\n"
        "    c = Booking.objects.select_related('slot').get(id=pk, slot__day=d)\n"
        "    d = Booking.objects.filter(pk=pk).first()\n"
        "    e = access.booking_for(request.user, pk)\n"
        "    f = Region.objects.filter(code=1).first()\n"
        "    g = bodies_for(request.user).filter(pk=pk).first()\n"
    )
    assert [line for line, _text in keyed_fetches(source)] == [2, 3, 4, 5]


def test_the_scan_finds_a_scope_check():
    source = "if not scope.contains(region.code):\n    raise Http404\nx = 'a'.count('b')\n"
    assert scope_checks(source) == [(1, "scope.contains(region.code)")]


def test_the_scan_reads_every_view_module():
    names = {p.relative_to(ROOT).as_posix() for p in view_modules()}
    assert {"meetings/views.py", "meetings/screening_views.py", "api/rest.py"} <= names
    assert "portal/views.py" in names and "supervision/views.py" in names


def test_no_view_fetches_a_row_by_its_key_outside_the_access_helpers():
    assert _offences(keyed_fetches, ALLOWED) == []


def test_no_view_checks_the_scope_after_fetching():
    assert _offences(scope_checks, ALLOWED_SCOPE_CHECKS) == []


def test_every_allowed_exception_is_still_there():
    """An entry whose line is gone is removed, so the list stays the reasons that hold."""
    present = set()
    for path in view_modules():
        name = path.relative_to(ROOT).as_posix()
        source = path.read_text(encoding="utf-8")
        present |= {f"{name}:{text}" for _line, text in keyed_fetches(source)}
        present |= {f"{name}:{text}" for _line, text in scope_checks(source)}
    assert set(ALLOWED) | set(ALLOWED_SCOPE_CHECKS) <= present
