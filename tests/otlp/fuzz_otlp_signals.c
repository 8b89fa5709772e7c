/* tests/otlp/fuzz_otlp_signals.c: libFuzzer target for the logs or metrics
 * validator and readers (FUZZ_SIGNAL: 1 logs, 2 metrics; one binary each).
 * Invariants beyond "no crash, no out-of-bounds read": whatever the
 * validator accepts, protobuf-c decodes, with the same counts of resources,
 * scopes and items; our readers give every field as protobuf-c does; the
 * items of each resource, counted alone, add up; and the JSON printer
 * writes one line an item. Whatever protobuf-c refuses, we refuse. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/json.h"
#include "otlp/signal.h"
#include "signals_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct otlp_signal_desc *sd = otlp_signal_get((enum otlp_signal)FUZZ_SIGNAL);
	struct otlp_wire_counts c, want, rc1;
	struct otlp_wire_diag d;
	int rc = sd->validate_request(data, size, &c, &d);

	(void)sd->validate_resource(data, size, &rc1, NULL);
	(void)sd->count_items((struct otlp_bytes){ data, size });
	ProtobufCMessage *m = protobuf_c_message_unpack(sd->request_desc, NULL, size, data);
	if (rc != 0) {
		if (m)
			protobuf_c_message_free_unpacked(m, NULL);
		return 0;
	}
	if (!m)
		abort(); /* we accepted what protobuf-c refuses */
	sc_count(FUZZ_SIGNAL, m, &want);
	if (memcmp(&c, &want, sizeof(c)) != 0)
		abort();
	if (sc_compare_request(FUZZ_SIGNAL, (struct otlp_bytes){ data, size }, m) != NULL)
		abort();
	struct otlp_wire_iter it;
	struct otlp_bytes rb;
	uint64_t items = 0;
	otlp_wire_iter_init(&it, (struct otlp_bytes){ data, size }, 1);
	while (otlp_wire_iter_next(&it, &rb) > 0) {
		int64_t n = sd->count_items(rb);
		if (n < 0 || sd->validate_resource(rb.p, rb.len, &rc1, NULL) != 0 || rc1.items != (uint64_t)n)
			abort();
		items += (uint64_t)n;
	}
	if (items != c.items)
		abort();
	struct otlp_json_buf js = { 0 };
	char err[256];
	int lines = otlp_json_from_pb_signal((enum otlp_signal)FUZZ_SIGNAL, data, size, OTLP_JSON_IN_REQUEST,
					     OTLP_JSON_ITEM_LINES, &js, err, sizeof(err));
	if (lines < 0 && lines != -E2BIG)
		abort();
	otlp_json_buf_free(&js);
	protobuf_c_message_free_unpacked(m, NULL);
	return 0;
}
