/* tests/producer/fuzz_validate_fast.c: libFuzzer target for the validator's
 * fast path (otlp/validate.c). Invariant: whatever the fast path accepts,
 * the table walk accepts with the same counts, and the public functions
 * answer exactly as the table walk (verdict, counts, error position and
 * text). Each input is checked raw, and also as edits to a valid 8-span
 * request (pairs of position and byte), which keeps most of the structure
 * valid so the fast path's deep levels are reached.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/producer/ingest_testlib.h"
#include "tests/producer/validate_twin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const uint8_t *buf, size_t len)
{
	for (int rs = 0; rs < 2; rs++) {
		struct otlp_wire_counts pc, gc, fc;
		struct otlp_wire_diag pd, gd;
		int prc = rs ? otlp_wire_validate_resource_spans(buf, len, &pc, &pd) :
			       otlp_wire_validate_request(buf, len, &pc, &pd);
		int grc = twin_general(buf, len, rs, &gc, &gd);
		if (prc != grc)
			abort();
		if (prc == 0 && memcmp(&pc, &gc, sizeof(pc)) != 0)
			abort();
		if (prc != 0 && (pd.err != gd.err || pd.offset != gd.offset ||
				 strcmp(pd.field, gd.field) != 0 || strcmp(pd.why, gd.why) != 0))
			abort();
		if (twin_fast(buf, len, rs, &fc) == 0 &&
		    (grc != 0 || memcmp(&fc, &gc, sizeof(fc)) != 0))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *base;
	static size_t base_len;
	if (!base)
		base = tl_request(1, 8, 3, &base_len);

	same(data, size);
	uint8_t *m = malloc(base_len);
	if (!m)
		return 0;
	memcpy(m, base, base_len);
	size_t len = base_len;
	for (size_t i = 0; i + 2 < size; i += 3) {
		size_t at = ((size_t)data[i] << 8 | data[i + 1]) % base_len;
		if (data[i + 2] == 0xfe && at < len)
			len = at;  /* truncate */
		else
			m[at] = data[i + 2];
	}
	same(m, len);
	free(m);
	return 0;
}
