/* tests/otlp/fuzz_otlp_json.c: libFuzzer target for the OTLP/JSON
 * transcoder. Invariants: no crash; JSON that converts gives protobuf the
 * validator accepts, which converts back to JSON, which converts again. */
#include <stdint.h>
#include <stdlib.h>

#include "otlp/json.h"
#include "otlp/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct otlp_json_buf pb = { 0 }, js = { 0 }, pb2 = { 0 };
	char err[256];

	if (otlp_json_to_pb((const char *)data, size, &pb, err, sizeof(err)) == 0) {
		struct otlp_wire_counts c;
		if (otlp_wire_validate_request(pb.data, pb.len, &c, NULL) != 0)
			abort();
		if (otlp_json_from_pb(pb.data, pb.len, OTLP_JSON_IN_REQUEST, OTLP_JSON_ONE_LINE, &js, err,
				      sizeof(err)) != 1)
			abort();
		if (otlp_json_to_pb((const char *)js.data, js.len, &pb2, err, sizeof(err)) != 0)
			abort();
		js.len = 0;
		if (otlp_json_from_pb(pb.data, pb.len, OTLP_JSON_IN_REQUEST, OTLP_JSON_SPAN_LINES, &js, err,
				      sizeof(err)) != (int)c.spans)
			abort();
	}
	/* the same bytes as protobuf, for the pb -> JSON side */
	js.len = 0;
	(void)otlp_json_from_pb(data, size, OTLP_JSON_IN_REQUEST, OTLP_JSON_SPAN_LINES, &js, err,
				sizeof(err));
	otlp_json_buf_free(&pb);
	otlp_json_buf_free(&pb2);
	otlp_json_buf_free(&js);
	return 0;
}
