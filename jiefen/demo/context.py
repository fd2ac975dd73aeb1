"""Template context for every page: how far the demo's background load has come.

Reads a small file the load rewrites after each batch (demo.background.progress_read), never
the database; nothing at all once the load is complete or where there is none.
"""

from typing import Any

from django.http import HttpRequest

from jiefen.demo.background import progress_read


def demo_loading(request: HttpRequest) -> dict[str, Any]:
    found = progress_read()
    if found is None:
        return {}
    done, total = found
    return {"demo_loading": {"done": f"{done:,}", "total": f"{total:,}"}}
