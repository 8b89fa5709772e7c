/* tests/otlp/fuzz_otlp_json_signals.c: libFuzzer target for OTLP/JSON of
 * logs and metrics (the same input read as both). Invariants: no crash;
 * JSON that converts gives protobuf the validator accepts, which prints
 * back to JSON that converts again, and prints one line an item. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/json.h"
#include "otlp/signal.h"
#include "otlp/wire_metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Items one line each: log records, or metrics (not data points). */
static int64_t line_items(enum otlp_signal sig, const uint8_t *pb, size_t len)
{
	struct otlp_wire_iter ir, is, ii;
	struct otlp_bytes r, s, i;
	int64_t n = 0;

	(void)sig;
	otlp_wire_iter_init(&ir, (struct otlp_bytes){ pb, len }, 1);
	while (otlp_wire_iter_next(&ir, &r) > 0) {
		otlp_wire_iter_init(&is, r, 2);
		while (otlp_wire_iter_next(&is, &s) > 0) {
			otlp_wire_iter_init(&ii, s, 2);
			while (otlp_wire_iter_next(&ii, &i) > 0)
				n++;
		}
	}
	return n;
}

static void one(enum otlp_signal sig, const uint8_t *data, size_t size)
{
	const struct otlp_signal_desc *sd = otlp_signal_get(sig);
	struct otlp_json_buf pb = { 0 }, js = { 0 }, pb2 = { 0 };
	char err[256];

	if (otlp_json_to_pb_signal(sig, (const char *)data, size, &pb, err, sizeof(err)) == 0) {
		struct otlp_wire_counts c;
		if (sd->validate_request(pb.data, pb.len, &c, NULL) != 0)
			abort();
		if (otlp_json_from_pb_signal(sig, pb.data, pb.len, OTLP_JSON_IN_REQUEST, OTLP_JSON_ONE_LINE,
					     &js, err, sizeof(err)) != 1)
			abort();
		if (otlp_json_to_pb_signal(sig, (const char *)js.data, js.len, &pb2, err, sizeof(err)) != 0)
			abort();
		js.len = 0;
		if (otlp_json_from_pb_signal(sig, pb.data, pb.len, OTLP_JSON_IN_REQUEST, OTLP_JSON_ITEM_LINES,
					     &js, err, sizeof(err)) != line_items(sig, pb.data, pb.len))
			abort();
	}
	otlp_json_buf_free(&pb);
	otlp_json_buf_free(&pb2);
	otlp_json_buf_free(&js);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(OTLP_SIGNAL_LOGS, data, size);
	one(OTLP_SIGNAL_METRICS, data, size);
	return 0;
}
