/* tests/agg/fuzz_agg_wire.c: agg_add_wire (the process stage's span reader)
 * against the reference path on the same bytes (tests/agg/wirecmp.h): the
 * same count and the same flush, twice (new series, then existing ones),
 * whenever the reference reads every span; never a crash or an
 * out-of-bounds read whatever the bytes. Input: byte 0 picks the params
 * (wirecmp_params), the rest is one ResourceSpans message. */
#include <stdio.h>
#include <stdlib.h>

#include "tests/agg/wirecmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wirecmp *pairs[WIRECMP_NPARAMS]; /* made once: fresh memory per input is slow */
	struct agg_params p;
	struct wirecmp *w;

	if (size < 1)
		return 0;
	w = pairs[data[0] % WIRECMP_NPARAMS];
	if (!w) {
		wirecmp_params(data[0], &p);
		if (wirecmp_new(&w, &p) < 0)
			abort();
		pairs[data[0] % WIRECMP_NPARAMS] = w;
	} else if (wirecmp_reset(w) < 0) {
		abort();
	}
	for (int r = 0; r < 2; r++) {
		if (wirecmp_record(w, data + 1, size - 1) < 0 || wirecmp_flush(w) < 0) {
			fprintf(stderr, "fuzz_agg_wire: %s\n", wirecmp_why(w));
			abort();
		}
	}
	return 0;
}
