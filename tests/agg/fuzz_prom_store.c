/* tests/agg/fuzz_prom_store.c: the Prometheus store fed arbitrary OTLP
 * metrics bytes. Beyond "no crash, no out-of-bounds, no leak": both
 * renderings stay valid exposition text (promcheck), and rendering twice
 * gives the same text. First byte: config variant and whole request vs
 * bare ResourceMetrics. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agg/prom.h"
#include "promcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char out[1 << 20], again[1 << 20];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	static const struct prom_label cl[] = { { "env", "fuzz" } };
	struct prom_config c = {
		.namespace_ = mode & 1 ? "ns" : NULL,
		.resource_to_telemetry = mode & 2,
		.no_metric_suffixes = mode & 4,
		.const_labels = cl,
		.n_const_labels = mode & 8 ? 1 : 0,
		.max_series = 64,
	};
	struct prom_store *s;
	if (prom_store_new(&s, &c))
		return 0;
	for (int round = 0; round < 2; round++) { /* twice: the update paths */
		if (mode & 16)
			(void)prom_store_add_resource_metrics(s, data + 1, size - 1, 10 + (uint64_t)round);
		else
			(void)prom_store_add_request(s, data + 1, size - 1, 10 + (uint64_t)round);
	}
	for (int om = 0; om < 2; om++) {
		size_t n = prom_render(s, om ? PROM_OPENMETRICS : PROM_TEXT, 20, out, sizeof out);
		if (n > sizeof out)
			continue; /* (not at these sizes) */
		if (promcheck(out, n, om))
			abort();
		size_t m = prom_render(s, om ? PROM_OPENMETRICS : PROM_TEXT, 20, again, sizeof again);
		if (m != n || memcmp(out, again, n))
			abort();
	}
	prom_store_free(s);
	return 0;
}
