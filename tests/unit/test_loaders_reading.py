"""Structural checks of input files (no server): each is an InputError at once, with file, line and field."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from loaders.checks import RowChecker
from loaders.kuairec_matrix import MATRIX
from loaders.reading import TableSpec, read_table
from mp2v.errors import InputError
from tests.data_factories import MATRIX_COLUMNS

HEADER = ",".join(MATRIX_COLUMNS)
ROW = "14,148,4381,6067,1593898155.8,20200703.0,1593898155.8,0.722103"


def _error(path: Path, spec: TableSpec = MATRIX) -> InputError:
    with pytest.raises(InputError) as caught:
        read_table(path, spec)
    return caught.value


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "big_matrix.csv"
    path.write_bytes(b"")
    error = _error(path)
    assert str(path) in str(error) and "empty (0 bytes)" in str(error)


def test_header_only(tmp_path: Path) -> None:
    path = tmp_path / "big_matrix.csv"
    path.write_text(HEADER + "\n")
    assert "header but no data rows" in str(_error(path))


@pytest.mark.parametrize(("content", "expected"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
    (gzip.compress(f"{HEADER}\n{ROW}\n".encode()), "gzip-compressed but not named .gz"),
    (b"PK\x03\x04\x14\x00\x00\x00", "ZIP archive"),
    (b"\x00\x01\x02\x03binary", "binary file"),
    (json.dumps([{"user_id": 1, "video_id": 2}]).encode(), "looks like JSON"),
    (b'{"user_id": 1}\n', "looks like JSON"),
    ("user_id,video_id\n".encode("utf-16"), "UTF-16"),
])
def test_not_a_csv_file(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "big_matrix.csv"
    path.write_bytes(content)
    assert expected in str(_error(path))


def test_missing_column_names_it_and_suggests_the_rename(tmp_path: Path) -> None:
    path = tmp_path / "big_matrix.csv"
    path.write_text(HEADER.replace("watch_ratio", "watchratio") + "\n" + ROW + "\n")
    error = _error(path)
    assert error.line == 1 and error.field == "watch_ratio"
    assert "missing column 'watch_ratio'" in str(error) and "rename 'watchratio' to 'watch_ratio'" in str(error)


def test_wrong_delimiter_is_named(tmp_path: Path) -> None:
    path = tmp_path / "big_matrix.csv"
    path.write_text(HEADER.replace(",", "\t") + "\n" + ROW.replace(",", "\t") + "\n")
    assert "contains a tab: is the delimiter right?" in str(_error(path))


def test_repeated_column(tmp_path: Path) -> None:
    path = tmp_path / "big_matrix.csv"
    path.write_text(HEADER + ",user_id\n" + ROW + ",1\n")
    error = _error(path)
    assert error.field == "user_id" and "appears twice" in str(error)


def test_unknown_column_is_a_note_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "big_matrix.csv"
    path.write_text(HEADER + ",device\n" + ROW + ",ios\n")
    table = read_table(path, MATRIX)
    assert table.notes == ["big_matrix.csv: ignored unknown column 'device' (line 1)"]
    assert "device" not in table.frame.columns


def test_missing_file_and_corrupt_gzip(tmp_path: Path) -> None:
    assert "no such file" in str(_error(tmp_path / "nope.csv"))
    broken = tmp_path / "big_matrix.csv.gz"
    broken.write_bytes(gzip.compress(f"{HEADER}\n{ROW}\n".encode())[:-12])
    assert "re-download or unpack" in str(_error(broken))


def test_line_numbers_survive_malformed_rows(tmp_path: Path) -> None:
    path = tmp_path / "big_matrix.csv"
    path.write_text("\n".join([HEADER, ROW, ROW + ",extra", ROW, "", ROW, "14,148,4381", ROW]) + "\n")
    table = read_table(path, MATRIX)
    # Too many fields (pandas skips the row), too few (pandas would pad it), none: each says how many.
    assert table.malformed == {3: "9 fields, expected 8", 5: "blank line", 7: "3 fields, expected 8"}
    assert table.lines.tolist() == [2, 4, 6, 8]
    check = RowChecker(table)
    check.integers("user_id")
    result = check.finish("big_matrix.csv")
    assert result.rejects[["line", "reason"]].values.tolist() == [
        [3, "9 fields, expected 8"], [5, "blank line"], [7, "3 fields, expected 8"]]


def test_short_row_with_an_optional_last_column_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "i.csv"
    path.write_text("user,item,weight,timestamp\n1,2,3,\n1,2\n4,5,6,7\n")
    spec = TableSpec(required=("user", "item", "weight"), optional=("timestamp",), integers=("user", "item"))
    table = read_table(path, spec)
    assert table.malformed == {3: "2 fields, expected 4"}  # line 2 has 4 fields, the last one empty: valid
    assert table.lines.tolist() == [2, 4] and table.frame["user"].tolist() == [1, 4]


def test_a_folder_where_a_file_is_expected(tmp_path: Path) -> None:
    message = str(_error(tmp_path))
    assert message == f"{tmp_path}: is a folder, not a file; pass the file itself (e.g. a .csv file inside it)"


def test_gzip_file_and_latin1_encoding(tmp_path: Path) -> None:
    path = tmp_path / "tags.dat.gz"
    path.write_bytes(gzip.compress("tagID\ttagValue\n1\tmetal\n2\tcanci\xf3n\n".encode("latin-1")))
    spec = TableSpec(required=("tagID", "tagValue"), integers=("tagID",), encoding="latin-1", delimiter="\t",
                     quoted=False)
    table = read_table(path, spec)
    assert table.typed and table.frame["tagValue"].tolist() == ["metal", "canci\xf3n"]


def test_quoted_field_spanning_lines_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "social_network.csv"
    path.write_text('user_id,friend_list\n1,"[2,\n3]"\n4,"[5]"\n')
    spec = TableSpec(required=("user_id", "friend_list"), integers=("user_id",))
    assert "a quoted field spans several lines" in str(_error(path, spec))
    path.write_text('user_id,friend_list\n1,"[2,3]"\n4,"[5]"')  # no final newline: fine
    assert read_table(path, spec).lines.tolist() == [2, 3]
