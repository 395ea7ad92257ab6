"""The kernel's numeric CSV parser (the fast path of tuinn.data.load_csv): the same
bits as Python's float(), and a refusal (None) for anything it is not sure of.
Also its writer of loss histories, whose numbers read back as the same doubles."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tuinn.engine import format_history, parse_numeric_csv

TRICKY = ["0", "-0", "+1", "1.", ".5", "-.5", "000123.4500", "1e5", "1E-5", "2.5e+3",
          "123456789012345678", "1234567890123456789", "12345678901234567890123",
          "0.1", "0.3", "9007199254740993", "1.7976931348623157e308", "2.2250738585072014e-308",
          "5e-324", "4.9406564584124654e-324", "1e22", "1e23", "1e-22", "1e-23",
          "3.141592653589793238462643383279", "0.000000000000000000000000001",
          "123.456e-7", "-98765.4321e12", "1" + "0" * 30, "0." + "0" * 30 + "1"]


def parse(text, delimiter=",", n_cols=1):
    return parse_numeric_csv(text.encode(), delimiter, n_cols)


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
    np.testing.assert_array_equal(parse_numeric_csv(text, ",", 2, start=4), [[1, 2]])


@pytest.mark.parametrize("text", [
    '"1",2\n', "1,,2\n", "1,nan\n", "1,inf\n", "1,1e400\n", "1,0x10\n", "1,1_000\n",
    "1,2,3\n", "1\n", "1,2\n3\n", "1,2,\n", "1,male\n", "1,2 3\n", "1,--2\n", "1,.\n",
    "1,e5\n", "1,1e\n", "1,1e+\n", "1,2.5.1\n", "1,2\x00\n", "1,２\n",
])
def test_anything_else_is_refused(text):
    assert parse(text, n_cols=2) is None


def test_bad_arguments_are_a_clear_error():
    with pytest.raises(ValueError, match="one-character delimiter"):
        parse("1\n", ", ")
    with pytest.raises(ValueError, match="n_cols >= 1"):
        parse("1\n", ",", 0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(), min_size=1, max_size=40), st.booleans(), st.integers(0, 5))
def test_history_rows_read_back_as_the_same_doubles(values, with_test, first):
    loss = np.array(values)
    test = -loss[::-1].copy() if with_test else np.empty(0)
    lines = format_history(loss, test, first, len(loss)).decode().splitlines()
    assert len(lines) == max(0, len(loss) - first)
    for e, line in enumerate(lines, start=first):
        cells = line.split(",")
        assert int(cells[0]) == e and len(cells) == 3
        np.testing.assert_array_equal(float(cells[1]), loss[e])
        if with_test:
            np.testing.assert_array_equal(float(cells[2]), test[e])
        else:
            assert cells[2] == ""
