"""Import of historical disputes from .xlsx and .csv ledgers.

A file goes through two passes, after it has been read (reading: the columns, the bytes
decoded or unpacked within the archive limits, the header and rows):

1. Check (checking): every row is parsed and validated without writing anything; a file with
   any error is refused as a whole, unless the importer explicitly asked for the valid rows
   only.
2. Write (writing): each row is played through the same moves as the web form, with
   historical timestamps, in chunks of one transaction each: a chunk is replayed in memory
   through the services' own checks and changes (jiefen.disputes.replay) and written once per
   table.

An upload runs as a background job (jobs), which records the progress on its page and ends
"failed" with the reason when it is stopped. Each module uses only the ones before it in this
list. What other apps and tests use is re-exported here.
"""

from jiefen.spreadsheets.importing.checking import (
    STAFF,
    Progress,
    Result,
    RowError,
    _date,
    check_file,
)
from jiefen.spreadsheets.importing.jobs import job_stopped, purge_stale_files, run_job
from jiefen.spreadsheets.importing.reading import (
    CHANNELS,
    COLUMNS,
    MAX_BYTES,
    OUTCOMES,
    ROUTES,
    Column,
    FileError,
    _text,
    digest_of,
    read_rows,
)
from jiefen.spreadsheets.importing.writing import import_file

__all__ = [
    "CHANNELS",
    "COLUMNS",
    "MAX_BYTES",
    "OUTCOMES",
    "ROUTES",
    "STAFF",
    "Column",
    "FileError",
    "Progress",
    "Result",
    "RowError",
    "_date",
    "_text",
    "check_file",
    "digest_of",
    "import_file",
    "job_stopped",
    "purge_stale_files",
    "read_rows",
    "run_job",
]
