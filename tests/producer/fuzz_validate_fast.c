/* tests/producer/fuzz_validate_fast.c: libFuzzer target for the validator's
 * fast paths (otlp/validate.c, validate_fast*.c). Invariant, for every
 * signal: whatever a fast path accepts, the table walk accepts with the
 * same counts, and the public functions answer exactly as the table walk
 * (verdict, counts, error position, text and path). Each input is checked
 * raw, and also as edits to a valid request of each signal (pairs of
 * position and byte), which keeps most of the structure valid so the fast
 * paths' deep levels are reached.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/producer/ingest_testlib.h"
#include "tests/producer/validate_twin.h"
#include "tests/otlp/gen_signals.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(int sig, const uint8_t *buf, size_t len)
{
	for (int rs = 0; rs < 2; rs++) {
		struct otlp_wire_counts pc, gc, fc;
		struct otlp_wire_diag pd, gd;
		int prc = twin_public(sig, rs, buf, len, &pc, &pd);
		int grc = twin_general_sig(sig, buf, len, rs, &gc, &gd);
		if (prc != grc)
			abort();
		if (prc == 0 && memcmp(&pc, &gc, sizeof(pc)) != 0)
			abort();
		if (prc != 0 &&
		    (pd.err != gd.err || pd.offset != gd.offset || strcmp(pd.field, gd.field) != 0 ||
		     strcmp(pd.why, gd.why) != 0 || strcmp(pd.path, gd.path) != 0))
			abort();
		if (twin_fast_sig(sig, buf, len, rs, &fc) == 0 &&
		    (grc != 0 || memcmp(&fc, &gc, sizeof(fc)) != 0))
			abort();
	}
}

/* A valid request of each signal, the base of the structured edits. */
static uint8_t *base[3];
static size_t base_len[3];

static void make_bases(void)
{
	const struct gen_opts o = {
		.max_rs = 2, .max_ss = 2, .max_spans = 4, .max_attrs = 4, .max_events = 3, .max_links = 1
	};
	uint64_t rng = 12345;
	base[0] = tl_request(1, 8, 3, &base_len[0]);
	GenLogsReq *l = gen_logs_request(&rng, &o);
	base[1] = gen_pack(&l->base, &base_len[1]);
	GenMetricsReq *m = gen_metrics_request(&rng, &o);
	base[2] = gen_pack(&m->base, &base_len[2]);
	protobuf_c_message_free_unpacked(&l->base, NULL);
	protobuf_c_message_free_unpacked(&m->base, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!base[0])
		make_bases();
	for (int sig = 0; sig < 3; sig++)
		same(sig, data, size);
	if (size == 0)
		return 0;
	int sig = data[0] % 3;
	if (base_len[sig] == 0)
		return 0;
	uint8_t *m = malloc(base_len[sig]);
	if (!m)
		return 0;
	memcpy(m, base[sig], base_len[sig]);
	size_t len = base_len[sig];
	for (size_t i = 1; i + 2 < size; i += 3) {
		size_t at = ((size_t)data[i] << 8 | data[i + 1]) % base_len[sig];
		if (data[i + 2] == 0xfe && at < len)
			len = at; /* truncate */
		else
			m[at] = data[i + 2];
	}
	same(sig, m, len);
	free(m);
	return 0;
}
