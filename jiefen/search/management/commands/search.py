"""`jiefen search rebuild`: rewrite the whole search index, with progress; `jiefen search size`."""

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand

from jiefen.search.index import index_rebuild, index_size


class Command(BaseCommand):
    help = "Search index: rebuild | size"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["rebuild", "size"])
        parser.add_argument("--batch", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "size":
            for name, size in sorted(index_size().items()):
                self.stdout.write(f"{name}\t{size / 1e6:.1f} MB")
            return
        started = time.monotonic()
        tty = sys.stderr.isatty()

        def progress(done: int, total: int) -> None:
            width = 30
            filled = width * done // max(total, 1)
            bar = "#" * filled + "-" * (width - filled)
            line = f"[{bar}] {done}/{total} ({time.monotonic() - started:.0f} s)"
            if tty:
                self.stderr.write("\r" + line, ending="")
            elif done == total or done % (options["batch"] * 20) == 0:
                self.stderr.write(line)

        done = index_rebuild(batch=options["batch"], progress=progress)
        if tty:
            self.stderr.write("")
        self.stdout.write(f"indexed {done} disputes in {time.monotonic() - started:.1f} s")
