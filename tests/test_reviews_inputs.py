"""Review texts from plain lines, JSON lines and CSV, with ids kept and errors that name the line."""

from __future__ import annotations

import io

import pytest

from shoplens.data.errors import UserInputError
from shoplens.tools.reviews.inputs import detect_format, parse_records, read_records


def test_format_by_extension_or_flag():
    assert detect_format("a.jsonl") == "jsonl" and detect_format("a.NDJSON") == "jsonl"
    assert detect_format("a.csv") == "csv" and detect_format("a.tsv") == "tsv"
    assert detect_format("a.txt") == "lines" and detect_format("reviews") == "lines"
    assert detect_format("a.txt", "jsonl") == "jsonl"
    with pytest.raises(UserInputError, match="Unknown input format"):
        detect_format("a.txt", "xml")


def test_plain_lines_keep_their_line_numbers():
    recs = parse_records("Great.\n\n  Broke in a week.  \n", "lines")
    assert [(r.id, r.text) for r in recs] == [(1, "Great."), (3, "Broke in a week.")]


def test_json_lines_keep_ids_and_find_the_text_field():
    raw = '{"id": "r-7", "text": "Love it"}\n\n{"review_id": 9, "body": "Too small"}\n"just a string"\n{"id": 3, "text": ""}\n'
    recs = parse_records(raw, "jsonl")
    assert [(r.id, r.text) for r in recs] == [("r-7", "Love it"), (9, "Too small"), (4, "just a string")]
    custom = parse_records('{"key": 1, "comment_text": "ok"}', "jsonl", text_col="comment_text", id_col="key")
    assert [(r.id, r.text) for r in custom] == [(1, "ok")]


def test_json_lines_errors_name_the_line():
    with pytest.raises(UserInputError, match="line 2: not valid JSON"):
        parse_records('{"text": "a"}\n{"text": oops}\n', "jsonl")
    with pytest.raises(UserInputError, match="line 1: no text field"):
        parse_records('{"id": 1, "stars": 5}\n', "jsonl")
    with pytest.raises(UserInputError, match="line 1: expected a JSON object"):
        parse_records("[1, 2]\n", "jsonl")


def test_csv_with_text_column_and_ids():
    raw = 'review_id,Review Text,rating\n11,"Fits well, true to size",5\n12,,3\n13,"Thin fabric ""see-through""",2\n'
    recs = parse_records(raw, "csv", text_col="Review Text")
    assert [(r.id, r.text) for r in recs] == [("11", "Fits well, true to size"), ("13", 'Thin fabric "see-through"')]
    with pytest.raises(UserInputError, match="which column holds the review text"):
        parse_records(raw, "csv")
    with pytest.raises(UserInputError, match="no column 'nope'"):
        parse_records(raw, "csv", text_col="nope")
    rows = parse_records("text\tx\nok\t1\n", "tsv")
    assert [(r.id, r.text) for r in rows] == [(1, "ok")]


def test_read_records_from_files_and_stdin(tmp_path):
    f = tmp_path / "r.jsonl"
    f.write_text('{"id": 1, "text": "Good"}\n', encoding="utf-8")
    assert read_records(f)[0].text == "Good"
    assert [r.text for r in read_records("-", stdin=io.StringIO("a\nb\n"))] == ["a", "b"]
    with pytest.raises(UserInputError, match="Cannot read"):
        read_records(tmp_path / "missing.txt")
