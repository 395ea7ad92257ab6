"""The C number parser (tuinn._csv, the fast path of tuinn.data.load_csv): the
same bits as Python's float(), and a refusal (None) for anything it is not
sure of.  And load_csv (tuinn.data.csv) as a user meets it."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tuinn import data
from tuinn.data.csv import load_csv, parse_numbers
from tuinn.errors import ConfigError, DataError

from conftest import one_line_error

TRICKY = ["0", "-0", "+1", "1.", ".5", "-.5", "000123.4500", "1e5", "1E-5", "2.5e+3",
          "123456789012345678", "1234567890123456789", "12345678901234567890123",
          "0.1", "0.3", "9007199254740993", "1.7976931348623157e308", "2.2250738585072014e-308",
          "5e-324", "4.9406564584124654e-324", "1e22", "1e23", "1e-22", "1e-23",
          "3.141592653589793238462643383279", "0.000000000000000000000000001",
          "123.456e-7", "-98765.4321e12", "1" + "0" * 30, "0." + "0" * 30 + "1"]


def parse(text, delimiter=",", n_cols=1):
    return parse_numbers(text.encode(), delimiter, n_cols)


@pytest.mark.parametrize("cell", TRICKY)
def test_tricky_numbers_match_python_float(cell):
    got = parse(cell + "\n")
    assert got.shape == (1, 1)
    assert got[0, 0] == float(cell) and np.signbit(got[0, 0]) == np.signbit(float(cell))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=12),
       st.sampled_from(["{!r}", "{:.6g}", "{:.3e}", "{:.12f}", "{:.17g}"]))
def test_any_finite_double_round_trips_bit_for_bit(values, fmt):
    cells = [fmt.format(v) for v in values]
    got = parse(",".join(cells) + "\n", n_cols=len(cells))
    want = np.array([[float(c) for c in cells]])
    if not np.isfinite(want).all():       # e.g. 1.798e+308: rounding the text overflowed
        assert got is None
        return
    np.testing.assert_array_equal(got.view(np.int64), want.view(np.int64))


def test_layout_crlf_blank_lines_padding_and_no_final_newline():
    text = "1, 2 ,3\r\n\r\n  \n4,5,6\n\n7,8,9"
    np.testing.assert_array_equal(parse(text, n_cols=3),
                                  [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    np.testing.assert_array_equal(parse("1\t2\n3\t4\n", "\t", 2), [[1, 2], [3, 4]])
    np.testing.assert_array_equal(parse("1;2\n3;4\n", ";", 2), [[1, 2], [3, 4]])
    assert parse("", n_cols=3).shape == (0, 3)
    assert parse("\n\n", n_cols=3).shape == (0, 3)


def test_start_offset_skips_a_header():
    text = b"a,b\n1,2\n"
    np.testing.assert_array_equal(parse_numbers(text, ",", 2, start=4), [[1, 2]])


@pytest.mark.parametrize("text", [
    '"1",2\n', "1,,2\n", "1,nan\n", "1,inf\n", "1,1e400\n", "1,0x10\n", "1,1_000\n",
    "1,2,3\n", "1\n", "1,2\n3\n", "1,2,\n", "1,male\n", "1,2 3\n", "1,--2\n", "1,.\n",
    "1,e5\n", "1,1e\n", "1,1e+\n", "1,2.5.1\n", "1,2\x00\n", "1,２\n",
])
def test_anything_else_is_refused(text):
    assert parse(text, n_cols=2) is None


@pytest.mark.parametrize("args, words", [
    ((b"1\n", ", ", 1), "delimiter is one ASCII character"),
    ((b"1\n", "\n", 1), "delimiter is one ASCII character"),
    ((b"1\n", "é", 1), "delimiter is one ASCII character"),
    ((b"1\n", ",", 0), "n_cols is a whole number"),
    ((b"1\n", ",", 2.0), "n_cols is a whole number"),
    ((b"1,2\n3,4\n", ",", 2, -3), "start is a whole number from 0 to 8"),
    ((bytearray(b"1,2\n3,4\n"), ",", 2, -3), "start is a whole number from 0 to 8"),
    ((b"1,2\n3,4\n", ",", 2, 100), "start is a whole number from 0 to 8"),
    ((b"1,2\n", ",", 2, True), "start is a whole number"),
    (("1,2\n", ",", 2), "text is bytes"),
    ((None, ",", 2), "text is bytes"),
])
def test_bad_arguments_are_a_clear_error_before_c_reads_anything(args, words):
    with pytest.raises(ConfigError, match=words):
        parse_numbers(*args)


def test_every_buffer_and_offset_reads_exactly_its_own_rows():
    text = bytearray(b"x\n1,2\n3,4\n")
    assert parse_numbers(text, ",", 2, 2).tolist() == [[1, 2], [3, 4]]
    assert parse_numbers(memoryview(text)[2:], ",", 2).tolist() == [[1, 2], [3, 4]]
    assert parse_numbers(text, ",", 2, len(text)).shape == (0, 2)
    assert parse_numbers(np.frombuffer(b"5,6\n", np.uint8), ",", 2).tolist() == [[5, 6]]


def test_the_row_buffer_is_bounded_by_the_text_not_its_line_count():
    """3 MB of blank lines under a wide header asked for 447 GiB."""
    text = b"\n" * 3_000_000
    assert parse_numbers(text, ",", 20_000).shape == (0, 20_000)


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_every_line_ending_reads_every_row(tmp_path, end):
    path = tmp_path / "d.csv"
    path.write_bytes(end.join(["x,y", "1,2", "3,4", "", "5,6"]).encode() + end.encode())
    ds = load_csv(path)
    assert ds.X.ravel().tolist() == [1, 3, 5] and ds.Y.ravel().tolist() == [2, 4, 6]


@pytest.mark.parametrize("text", [b"x,y\r1,2\n3,4\n5,6\n", b"x,y\r\r\n1,2\r\n3,4\r\n5,6\r\n",
                                  b"x,y\r\n1,2\r3,4\r\n5,6\n", b"\xef\xbb\xbfx,y\r1,2\r3,4\r5,6"])
def test_mixed_line_endings_never_drop_a_row(tmp_path, text):
    path = tmp_path / "d.csv"
    path.write_bytes(text)
    ds = load_csv(path)
    assert ds.X.ravel().tolist() == [1, 3, 5] and ds.Y.ravel().tolist() == [2, 4, 6]


def test_a_very_wide_csv_reads_without_a_delimiter_hint(tmp_path):
    path = tmp_path / "wide.csv"
    n = 200_000           # a header line far past the csv module's 128 KiB field limit
    path.write_text(",".join(f"c{j}" for j in range(n)) + "\n" + ",".join(["1"] * n) + "\n"
                    + ",".join(["2"] * n) + "\n")
    ds = load_csv(path)
    assert ds.X.shape == (2, n - 1) and ds.Y.ravel().tolist() == [1, 2]


# ------------------------------------------------------------------ load_csv


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def test_csv_header_detection_and_forcing(tmp_path):
    with_header = write(tmp_path, "h.csv", "height,weight,y\n1,2,3\n4,5,6\n")
    ds = data.load_csv(with_header)
    assert ds.name == "h.csv" and ds.X_test is None and ds.task == "regression"
    assert ds.feature_names == ["height", "weight"] and ds.target_names == ["y"]
    np.testing.assert_array_equal(ds.X, [[1, 2], [4, 5]])
    np.testing.assert_array_equal(ds.Y, [[3], [6]])
    plain = write(tmp_path, "p.csv", "1,2,3\n4,5,6\n7,8,9\n")
    ds = data.load_csv(plain)
    assert ds.feature_names == ["column 1", "column 2"] and len(ds.X) == 3
    assert len(data.load_csv(plain, header=True).X) == 2
    assert data.load_csv(plain, header=True).feature_names == ["1", "2"]
    msg = one_line_error(DataError, data.load_csv, with_header, header=False)
    assert "line 1, column 1 (index 0): 'height' is not a number" in msg


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiters_are_sniffed(tmp_path, delimiter):
    rows = [["a", "b", "c"], ["1.5", "2", "3"], ["4", "-5e-1", "6"]]
    path = write(tmp_path, "d.csv", "\n".join(delimiter.join(r) for r in rows) + "\n")
    ds = data.load_csv(path)
    np.testing.assert_array_equal(ds.X, [[1.5, 2], [4, -0.5]])
    np.testing.assert_array_equal(ds.Y, [[3], [6]])
    forced = data.load_csv(path, delimiter={",": "comma", ";": "semicolon", "\t": "tab"}[delimiter])
    np.testing.assert_array_equal(forced.X, ds.X)


def test_csv_semicolon_file_with_decimal_commas_names_the_problem(tmp_path):
    path = write(tmp_path, "eu.csv", "a;b;y\n1,5;2;3\n4;5;6\n")
    msg = one_line_error(DataError, data.load_csv, path)
    assert "eu.csv line 2, column 'a': '1,5' is not a number" in msg and "decimal" in msg


def test_csv_quotes_bom_crlf_and_blank_lines(tmp_path):
    path = write(tmp_path, "q.csv", b'\xef\xbb\xbf"size (cm)","y"\r\n"1",2\r\n\r\n3 , 4\r\n   \r\n')
    ds = data.load_csv(path)
    assert ds.feature_names == ["size (cm)"]
    np.testing.assert_array_equal(ds.X, [[1], [3]])
    np.testing.assert_array_equal(ds.Y, [[2], [4]])


def test_csv_target_by_name_index_negative_index_and_list(tmp_path):
    path = write(tmp_path, "t.csv", "a,b,c,d\n1,2,3,4\n5,6,7,8\n")
    by_name = data.load_csv(path, target="b")
    assert by_name.feature_names == ["a", "c", "d"] and by_name.target_names == ["b"]
    np.testing.assert_array_equal(by_name.Y, [[2], [6]])
    np.testing.assert_array_equal(data.load_csv(path, target=0).Y, [[1], [5]])
    np.testing.assert_array_equal(data.load_csv(path, target=-2).Y, [[3], [7]])
    np.testing.assert_array_equal(data.load_csv(path, target="-2").Y, [[3], [7]])
    both = data.load_csv(path, target=["d", 0])
    assert both.target_names == ["d", "a"] and both.feature_names == ["b", "c"]
    np.testing.assert_array_equal(both.Y, [[4, 1], [8, 5]])
    np.testing.assert_array_equal(both.X, [[2, 3], [6, 7]])


def test_csv_string_labels_binary_and_multiclass(tmp_path):
    path = write(tmp_path, "b.csv", "h,w,sex\n181,80,male\n160,60,female\n177,70,\"male\"\n")
    ds = data.load_csv(path)
    assert ds.task == "binary" and ds.classes == ["female", "male"]
    assert ds.target_names == ["sex=male"]
    np.testing.assert_array_equal(ds.Y, [[1], [0], [1]])
    assert data.decode_labels(ds, [[0.9], [0.1], [0.5]]) == ["male", "female", "male"]
    path = write(tmp_path, "m.csv", "x,species,z\n1,virginica,2\n3,setosa,4\n5,versicolor,6\n"
                                    "7,setosa,8\n")
    ds = data.load_csv(path, target="species")
    assert ds.task == "multiclass" and ds.classes == ["setosa", "versicolor", "virginica"]
    np.testing.assert_array_equal(ds.Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 6], [7, 8]])
    assert data.decode_labels(ds, ds.Y) == ["virginica", "setosa", "versicolor", "setosa"]
    numeric_labels = write(tmp_path, "n.csv", "a,y\n1,0\n2,1\n3,1\n")
    assert data.load_csv(numeric_labels).task == "regression"     # numbers stay numbers


@pytest.mark.parametrize("text, expected", [
    ("h,w,y\n1,2,3\n4,abc,6\n", "bad.csv line 3, column 'w': 'abc' is not a number"),
    ("h,w,y\n1,2,3\n4,,6\n", "bad.csv line 3, column 'w': the cell is empty"),
    ("h,w,y\n1,2,3\n4,5,\n", "bad.csv line 3, column 'y': the cell is empty"),
    ("1,2,3\n4,x,6\n", "bad.csv line 2, column 2 (index 1): 'x' is not a number"),
    ("h,w,y\n1,2,3\n4,5\n", "bad.csv line 3: 2 cells, but the header has 3"),
    ("h,w,y\n1,2,3\n\n4,5,6,7\n", "bad.csv line 4: 4 cells, but the header has 3"),
    ("h,w,y\n1,2,3\n4,nan,6\n", "bad.csv line 3, column 'w': 'nan' is not a finite number"),
    ("h,w,y\n1,2,inf\n", "bad.csv line 2, column 'y': 'inf' is not a finite number"),
    ("", "bad.csv is empty"),
    ("\n  \n\n", "bad.csv is empty"),
    ("h,w,y\n", "bad.csv has a header line but no data rows"),
    ("h,w,y\n\n\n", "bad.csv has a header line but no data rows"),
    ("y\n1\n2\n", "bad.csv has only one column"),
    ("h,w,y\n1,2,cat\n3,4,cat\n", "the target 'y' holds only one class ('cat')"),
    ("h,w,y\n1,2,1.5\n3,4,2.5\n5,6,abc\n", "line 4, column 'y': 'abc' is not a number, but most"),
    ("h,w,y\n1,2,cat\n3,4,dog\n5,6,7\n", "line 4, column 'y': '7' is a number, but the other"),
    ("1,2,3\nh,4,5\n", "line 2, column 1 (index 0): 'h' is not a number"),
    ("height,weight\n1,2\n3,4\n", None),
])
def test_csv_errors_name_the_file_line_and_column(tmp_path, text, expected):
    path = write(tmp_path, "bad.csv", text)
    if expected is None:                     # control: the same layout without a problem loads
        assert len(data.load_csv(path).X) == 2
        return
    msg = one_line_error(DataError, data.load_csv, path)
    assert expected in msg
    assert "bad.csv" in msg


def test_csv_first_line_hint_when_no_header_was_detected(tmp_path):
    # A first row mixing numbers and text is data with a typo, not a header.
    path = write(tmp_path, "h.csv", "1,abc,3\n4,5,6\n")
    msg = one_line_error(DataError, data.load_csv, path)
    assert "line 1, column 2 (index 1): 'abc' is not a number" in msg and "header" in msg
    # Text over text is not evidence of a header either.
    path = write(tmp_path, "t.csv", "a,b,c\nx,1,2\ny,3,4\n")
    msg = one_line_error(DataError, data.load_csv, path)
    assert "line 2, column 'a': 'x' is not a number" in msg


def test_csv_target_errors(tmp_path):
    path = write(tmp_path, "t.csv", "height,weight,sex\n1,2,3\n")
    msg = one_line_error(DataError, data.load_csv, path, target="age")
    assert "no column 'age'" in msg and "'height', 'weight', 'sex'" in msg
    msg = one_line_error(DataError, data.load_csv, path, target=3)
    assert "index 3 is out of range" in msg and "3 columns" in msg
    assert "out of range" in one_line_error(DataError, data.load_csv, path, target=-4)
    assert "twice" in one_line_error(DataError, data.load_csv, path, target=[0, "height"])
    assert "input column" in one_line_error(DataError, data.load_csv, path, target=[0, 1, 2])
    assert "empty" in one_line_error(ConfigError, data.load_csv, path, target=[])
    assert "column name" in one_line_error(ConfigError, data.load_csv, path, target=1.5)
    plain = write(tmp_path, "p.csv", "1,2,3\n")
    assert "no header line" in one_line_error(DataError, data.load_csv, plain, target="y")
    labels = write(tmp_path, "l.csv", "a,b,sex\n1,2,m\n3,4,f\n")
    msg = one_line_error(DataError, data.load_csv, labels, target=["sex", "a"])
    assert "'sex' holds class names" in msg and "only target" in msg


def test_csv_missing_file_folder_and_bad_settings(tmp_path):
    msg = one_line_error(DataError, data.load_csv, tmp_path / "nope.csv")
    assert "nope.csv: no such file" in msg
    assert "folder" in one_line_error(DataError, data.load_csv, tmp_path)
    path = write(tmp_path, "ok.csv", "1,2\n")
    assert "delimiter" in one_line_error(ConfigError, data.load_csv, path, delimiter="::")
    assert "header" in one_line_error(ConfigError, data.load_csv, path, header="yes")
    bin_path = write(tmp_path, "bin.csv", b"\xff\xfe\x00\x01garbage\n")
    assert "UTF-8" in one_line_error(DataError, data.load_csv, bin_path)


def test_csv_fallback_finds_errors_and_keeps_data_beyond_the_first_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(data.csv._CsvReader, "CHUNK", 4)
    rows = [f"{i},{2 * i},{'a' if i % 3 else 'b'}" for i in range(20)]
    good = write(tmp_path, "good.csv", "x,z,y\n" + "\n".join(rows) + "\n")
    reference = data.load_csv(good)
    assert reference.classes == ["a", "b"] and len(reference.X) == 20
    # A whitespace-only line stops numpy's parser; the chunked path reads past it.
    spaced = write(tmp_path, "spaced.csv", "x,z,y\n" + "\n".join(rows[:13]) + "\n   \n"
                   + "\n".join(rows[13:]) + "\n")
    ds = data.load_csv(spaced)
    np.testing.assert_array_equal(ds.X, reference.X)
    np.testing.assert_array_equal(ds.Y, reference.Y)
    assert ds.classes == reference.classes
    bad_rows = list(rows)
    bad_rows[15] = "15,oops,a"
    bad = write(tmp_path, "bad.csv", "x,z,y\n" + "\n".join(bad_rows[:13]) + "\n\n"
                + "\n".join(bad_rows[13:]) + "\n")
    msg = one_line_error(DataError, data.load_csv, bad)
    assert "bad.csv line 18, column 'z': 'oops' is not a number" in msg   # blank line counted


def test_csv_large_numeric_file_loads_through_numpy(tmp_path):
    rng = np.random.default_rng(0)
    A = rng.normal(size=(20000, 6))
    path = tmp_path / "big.csv"
    with open(path, "w") as f:
        f.write("a,b,c,d,e,y\n")
        np.savetxt(f, A, delimiter=",", fmt="%.17g")
    ds = data.load_csv(path)
    np.testing.assert_array_equal(ds.X, A[:, :5])
    np.testing.assert_array_equal(ds.Y, A[:, 5:])


@pytest.mark.parametrize("bad_row", [2, 4321])
def test_a_byte_that_is_not_utf8_is_named_by_its_own_line(tmp_path, bad_row):
    lines = ["x,y"] + [f"{i},{2 * i}" for i in range(5000)]
    lines[bad_row] = "1,\xe9"
    path = tmp_path / "latin.csv"
    path.write_bytes("\n".join(lines).encode("latin-1"))
    with pytest.raises(DataError, match=rf"is not UTF-8 text \(line {bad_row + 1}\)"):
        data.load_csv(path)


def test_predict_reads_inputs_as_train_reads_them(tmp_path):
    """One reader: the same message for a ragged row, by train and by predict."""
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,y\n1,2,3\n4,5\n")
    with pytest.raises(DataError) as by_train:
        data.load_csv(path, target="y")
    with pytest.raises(DataError) as by_predict:
        data.load_inputs(path, ["a", "b"], 1)
    assert str(by_train.value) == str(by_predict.value) == \
        f"{path} line 3: 2 cells, but the header has 3"
    path.write_text("b,a\n1,2\n3,4\n")
    np.testing.assert_array_equal(data.load_inputs(path, ["a", "b"], 1), [[2, 1], [4, 3]])
    path.write_text("0.5\n1.5\n")
    np.testing.assert_array_equal(data.load_inputs(path, ["x"], 1), [[0.5], [1.5]])
