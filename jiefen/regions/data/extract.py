"""Cut one province out of an unpacked china-division package.

    python jiefen/regions/data/extract.py /tmp/cd/package 33 jiefen/regions/data/zhejiang

reads PACKAGE/dist/{provinces,cities,areas,streets,villages}.csv and writes the same five files,
with the same columns and quoting (codes bare, names in double quotes, LF line ends), holding the
province's own row and every row below it. Standard library only, so it runs without Django.
"""

import argparse
import csv
import sys
from pathlib import Path

FILES = ["provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages.csv"]


def _line(header: list[str], row: list[str]) -> str:
    # The package quotes names only; writing the same way keeps the extract byte-identical to
    # the matching lines of the original files.
    cells = [
        '"' + value.replace('"', '""') + '"' if column == "name" else value
        for column, value in zip(header, row, strict=True)
    ]
    return ",".join(cells) + "\n"


def extract(package: Path, province: str, out: Path) -> dict[str, int]:
    """Write the extract for `province` (a 2-digit code) to `out`; return rows per file."""
    dist = package / "dist" if (package / "dist").is_dir() else package
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name in FILES:
        with (dist / name).open(encoding="utf-8", newline="") as src:
            reader = csv.reader(src)
            header = next(reader)
            code = header.index("code")
            lines = [",".join(header) + "\n"]
            lines += [_line(header, row) for row in reader if row[code].startswith(province)]
        (out / name).write_text("".join(lines), encoding="utf-8", newline="")
        counts[name] = len(lines) - 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", type=Path, help="unpacked package folder (holding dist/)")
    parser.add_argument("province", help="2-digit province code, e.g. 33")
    parser.add_argument("out", type=Path, help="folder to write the five CSV files to")
    args = parser.parse_args()
    if len(args.province) != 2 or not args.province.isdigit():
        sys.exit("province must be a 2-digit code, e.g. 33")
    for name, count in extract(args.package, args.province, args.out).items():
        print(f"{name}: {count}")


if __name__ == "__main__":
    main()
