/* The fast path of tuinn's CSV loader: rows of plain decimal numbers.
 *
 * Its own module (tuinn._csv), apart from the training kernel: numpy's
 * loadtxt takes about 2.7x as long on a numeric file (5.0 s against 1.9 s
 * for 1,000,000 rows x 20 columns), and anything this parser is not sure of
 * goes to the careful Python path, which names the bad cell.
 *
 * build.py hands the text between the cdef markers to cffi, which cannot parse
 * preprocessor lines: keep declarations only in there.
 */
#ifndef TUINN_CSV_H
#define TUINN_CSV_H
#include <stdint.h>

/* cdef-begin */
enum { CSV_OK = 0, CSV_ENULL = 1, CSV_ESIZE = 2, CSV_EPARSE = 3 };

/* `len` bytes of rows of exactly n_cols decimal numbers separated by `delim`,
 * one row per line ("\n", "\r\n" or a lone "\r"; blank lines skipped; spaces around a
 * number allowed), into out (max_rows * n_cols, row-major), with the row count
 * in *rows.  Values are correctly rounded, as Python's float() gives them.
 * CSV_EPARSE at the first cell that is not a finite number or the first line
 * with another cell count. */
int csv_parse_numbers(const char *text, int64_t len, char delim, int n_cols, double *out,
                      int64_t max_rows, int64_t *rows);
/* cdef-end */

#endif
