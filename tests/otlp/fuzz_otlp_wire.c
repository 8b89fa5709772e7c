/* tests/otlp/fuzz_otlp_wire.c: libFuzzer target for the wire reader and the
 * validator. Invariants beyond "no crash, no out-of-bounds read":
 * whatever the validator accepts, every walker decodes without error and
 * protobuf-c decodes too, with the same ResourceSpans/ScopeSpans/span counts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "otlp/wire.h"
#include "walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct otlp_wire_counts c, rc1;
	struct otlp_wire_diag d;
	int rc = otlp_wire_validate_request(data, size, &c, &d);
	int wrc = walk_all((struct otlp_bytes){ data, size });

	(void)otlp_wire_validate_resource_spans(data, size, &rc1, NULL);
	(void)otlp_wire_count_spans((struct otlp_bytes){ data, size });
	if (rc != 0)
		return 0;
	if (wrc != 0)
		abort();
	GenReq *m = (GenReq *)protobuf_c_message_unpack(
		&opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor, NULL,
		size, data);
	if (!m)
		abort(); /* the validator accepted what protobuf-c rejects */
	uint64_t spans = 0, ss = 0;
	for (size_t i = 0; i < m->n_resource_spans; i++) {
		ss += m->resource_spans[i]->n_scope_spans;
		for (size_t k = 0; k < m->resource_spans[i]->n_scope_spans; k++)
			spans += m->resource_spans[i]->scope_spans[k]->n_spans;
	}
	if (c.resource_spans != m->n_resource_spans || c.scope_spans != ss || c.spans != spans)
		abort();
	protobuf_c_message_free_unpacked(&m->base, NULL);
	return 0;
}
