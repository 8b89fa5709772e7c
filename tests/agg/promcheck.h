/* tests/agg/promcheck.h: a strict line checker for the exposition text
 * (both formats): every line a HELP/TYPE/UNIT/EOF comment or a sample
 * `name{label="value",...} number[ # {exemplar} number [ts]]`, valid
 * UTF-8, escapes as the format allows (\\ \" \n; other control characters
 * may stand raw in label values and help, as in Go's client). Returns 0 or the 1-based line of
 * the first bad line. */
#ifndef SLUICE_TESTS_AGG_PROMCHECK_H
#define SLUICE_TESTS_AGG_PROMCHECK_H

#include <stddef.h>

int promcheck(const char *text, size_t len, int openmetrics);

#endif
