"""The app processes' entry point."""

import os
import subprocess
import sys

PROBE = (
    "import gc, sys, jiefen.wsgi; "
    "print(gc.get_freeze_count(), 'jiefen.disputes.views' in sys.modules, "
    "'jiefen.metrics.views' in sys.modules, callable(jiefen.wsgi.application))"
)


def test_the_app_loads_every_view_at_start_and_freezes_the_loaded_code():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jiefen.settings"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True
    )
    frozen, disputes_views, metrics_views, app = done.stdout.split()
    assert int(frozen) > 50_000  # the loaded code, out of the collector's sight
    assert (disputes_views, metrics_views, app) == ("True", "True", "True")
