"""read_table: every bad file is refused with one line naming the file (and the row, model or column at fault)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.tables import read_table

HEADER = "model,num_hidden_layers,hidden_size,tokens_T,params_B"

# (id, file content, the exact message after "<file>" -- ", row 2 (model 'b'): ..." or ": ...")
BAD_FILES = [
    ("empty", b"", ": the file is empty"),
    ("blank lines only", b"\n  \n\n", ": the file is empty"),
    ("binary", b"model,x\n\x00\x00\x01binary", ": not a CSV text file (binary content)"),
    ("PNG", b"\x89PNG\r\n\x1a\n\x00\x00", ": not a CSV text file (undecodable byte at position 0)"),
    ("undecodable", b"\xff\xfe\xfa bad bytes", ": not a CSV text file (undecodable byte at position 0)"),
    (
        "invalid CSV",
        b'model,hidden_size\n"a,1\n',
        ": not a valid CSV file (Error tokenizing data. C error: EOF inside string starting at row 1)",
    ),
    (
        "duplicate tokens_T",
        b"model,tokens_T,hidden_size,tokens_T\na,15,4096,18\n",
        ", column 'tokens_T': the header names this column twice (cells 2 and 4)",
    ),
    (
        "duplicate model",
        b"model,hidden_size,model\na,4096,b\n",
        ", column 'model': the header names this column twice (cells 1 and 3)",
    ),
    (
        "duplicate hidden_size after stripping spaces",
        b"model,hidden_size , hidden_size\na,4096,4096\n",
        ", column 'hidden_size': the header names this column twice (cells 2 and 3)",
    ),
    (
        "empty header cell",
        b"model,,hidden_size\na,32,4096\n",
        ": header cell 2 of 3 is empty (every column needs a name)",
    ),
    (
        "header with a trailing comma",
        b"model,hidden_size,\na,4096,\n",
        ": header cell 3 of 3 is empty (every column needs a name) (a trailing comma?)",
    ),
    (
        "trailing comma on every row",
        f"{HEADER}\na,32,4096,15,8,\nb,32,4096,15,8,\n".encode(),
        ", row 1 (model 'a'): has 6 cells for 5 columns (a trailing comma?)",
    ),
    (
        "trailing comma on the first row only",
        f"{HEADER}\na,32,4096,15,8,\nb,32,4096,15,8\n".encode(),
        ", row 1 (model 'a'): has 6 cells for 5 columns (a trailing comma?)",
    ),
    (
        "trailing comma on a later row",
        f"{HEADER}\na,32,4096,15,8\nb,32,4096,15,8\nc,32,4096,15,8,\n".encode(),
        ", row 3 (model 'c'): has 6 cells for 5 columns (a trailing comma?)",
    ),
    (
        "an extra value",
        f"{HEADER}\na,32,4096,15,8\nb,32,4096,15,8,70\n".encode(),
        ", row 2 (model 'b'): has 6 cells for 5 columns",
    ),
    (
        "rows counted as pandas counts them (blank lines skipped, quoted newline)",
        f'{HEADER}\n\n"a\nx",32,4096,15,8\n\nb,32,4096,15,8,,\n'.encode(),
        ", row 2 (model 'b'): has 7 cells for 5 columns (a trailing comma?)",
    ),
    ("extra cells, no model column", b"hidden_size,tokens_T\n4096,15,8\n", ", row 1: has 3 cells for 2 columns"),
]


@pytest.mark.parametrize("content, expected", [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_bad_files_are_refused_naming_file_row_and_column(tmp_path, content, expected):
    path = tmp_path / "recipes.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as err:
        read_table(path)
    assert str(err.value) == f"{path}{expected}"
    assert "\n" not in str(err.value)


def test_a_directory_is_not_a_missing_file(tmp_path):
    folder = tmp_path / "tables.csv"
    folder.mkdir()
    with pytest.raises(DataError) as err:
        read_table(folder)
    assert str(err.value) == f"{folder}: is a directory, not a CSV file"
    with pytest.raises(DataError) as err:
        read_table(tmp_path / "nope.csv")
    assert str(err.value) == f"{tmp_path / 'nope.csv'}: no such file"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_a_data_error(tmp_path):
    path = tmp_path / "secret.csv"
    path.write_text(f"{HEADER}\na,32,4096,15,8\n")
    path.chmod(0)
    try:
        with pytest.raises(DataError) as err:
            read_table(path)
    finally:
        path.chmod(0o600)
    assert str(err.value) == f"{path}: cannot read the file (Permission denied)"


def test_an_os_error_while_reading_is_a_data_error(tmp_path, monkeypatch):
    """The same path as above for root, where chmod 0 does not stop reading."""
    path = tmp_path / "secret.csv"
    path.write_text(f"{HEADER}\na,32,4096,15,8\n")

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", denied)
    with pytest.raises(DataError) as err:
        read_table(path)
    assert str(err.value) == f"{path}: cannot read the file (Permission denied)"


def test_good_files_keep_their_cells_and_name_their_source(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_bytes(f"\ufeff{HEADER}\n\na, 32,4096,15T,\n  \nb,32,4096\n".encode())  # BOM, blank lines, short row
    df = read_table(path)
    assert list(df.columns) == HEADER.split(",")
    assert df.to_numpy().tolist() == [["a", "32", "4096", "15T", ""], ["b", "32", "4096", "", ""]]
    assert df.attrs["source"] == str(path)
