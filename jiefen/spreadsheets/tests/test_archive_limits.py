"""An uploaded .xlsx is checked from its zip directory before openpyxl inflates a byte: too
large unpacked, too compressed or too many members is refused at once, on the command line
and through the web alike."""

import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from jiefen.lib.archives import ArchiveLimits, archive_problem
from jiefen.spreadsheets.importing import FileError, read_rows
from jiefen.spreadsheets.tests.conftest import row, xlsx


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _bomb(size: int) -> bytes:
    """A workbook-looking archive whose sheet is `size` bytes of one repeated row."""
    good = zipfile.ZipFile(io.BytesIO(xlsx([row()])))
    members = {info.filename: good.read(info) for info in good.infolist()}
    members["xl/worksheets/sheet1.xml"] = b"<row>" + b"<c><v>1</v></c>" * (size // 15) + b"</row>"
    return _zip(members)


def test_the_limits_themselves():
    limits = ArchiveLimits(max_members=5, max_uncompressed=4_000_000)
    assert archive_problem(_zip({"a": b"x" * 100}), limits) is None
    assert archive_problem(_zip({f"m{i}": b"x" for i in range(6)}), limits) == "members"
    assert archive_problem(_zip({"a": b"\0" * 5_000_000}), limits) == "size"
    assert archive_problem(_zip({"a": b"\0" * 2_000_000}), limits) == "ratio"
    assert archive_problem(b"PK\x03\x04 not a zip", limits) == "damaged"


def test_an_ordinary_workbook_passes(world):
    _header, rows = read_rows(xlsx([row(), row()]), "ledger.xlsx")
    assert len(rows) == 2


def test_a_zip_bomb_is_refused_before_parsing(world, settings):
    settings.JIEFEN_ARCHIVE_LIMITS = {"max_uncompressed": 8 * 1024 * 1024}
    with pytest.raises(FileError, match="解压后过大"):
        read_rows(_bomb(20 * 1024 * 1024), "bomb.xlsx")


def test_the_command_line_dry_run_refuses_the_bomb_with_a_message(
    world, village_clerk, settings, tmp_path
):
    settings.JIEFEN_ARCHIVE_LIMITS = {"max_uncompressed": 8 * 1024 * 1024}
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_bomb(20 * 1024 * 1024))
    with pytest.raises(CommandError, match="解压后过大") as refused:
        call_command("import", str(path), "--as", village_clerk.username, "--dry-run")
    assert refused.value.returncode == 2
