"""The load drill's figures split by phase: requests/s, median, p95, p99 and failures per
request kind, from the request log of bench/locustfile.py (`--request-log FILE`).

A marks file names the phases: one line per boundary, `<unix time> <label>`; the phase from one
mark to the next takes the first one's label (write them while the drill runs, e.g.
`echo "$(date +%s) sweep" >> marks`). The last mark ends the last phase; without a marks
file the whole log is one phase.

    .venv/bin/python bench/load_phases.py var/locust-requests.tsv --marks var/locust-marks
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from itertools import pairwise
from pathlib import Path


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (as locust reports it, without its rounding)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("log")
    parser.add_argument("--marks")
    args = parser.parse_args()
    rows = []
    for line in Path(args.log).read_text().splitlines():
        at, name, ms, failed = line.split("\t")
        rows.append((float(at), name, float(ms), failed == "1"))
    if args.marks:
        marks = []
        for line in Path(args.marks).read_text().splitlines():
            if line.strip():
                at, _, label = line.partition(" ")
                marks.append((float(at), label.strip()))
    else:
        marks = [(rows[0][0], "all"), (rows[-1][0] + 1, "end")]
    for (start, label), (end, _next) in pairwise(marks):
        kinds: dict[str, list[tuple[float, bool]]] = defaultdict(list)
        for at, name, ms, failed in rows:
            if start <= at < end:
                kinds[name].append((ms, failed))
                kinds["(all)"].append((ms, failed))
        print(f"{label}: {end - start:.0f} s")
        print(
            f"  {'kind':<22}{'requests':>9}{'per s':>7}{'median':>8}{'p95':>7}{'p99':>7}{'fail':>6}"
        )
        for name in sorted(kinds, key=lambda k: (k == "(all)", k)):
            times = [ms for ms, _ in kinds[name]]
            print(
                f"  {name:<22}{len(times):>9}{len(times) / (end - start):>7.1f}"
                f"{percentile(times, 0.5):>8.0f}{percentile(times, 0.95):>7.0f}"
                f"{percentile(times, 0.99):>7.0f}{sum(f for _, f in kinds[name]):>6}"
            )


if __name__ == "__main__":
    main()
