/* otlp/signal.c: the table of signals and the lookups over it. Each
 * signal's descriptor lives in its own file (signal_traces.c, ...). */
#include "otlp/signal.h"

#include <string.h>

extern const struct otlp_signal_desc otlp_signal_traces, otlp_signal_logs, otlp_signal_metrics;

static const struct otlp_signal_desc *const signals[OTLP_SIGNAL_COUNT] = {
	[OTLP_SIGNAL_TRACES] = &otlp_signal_traces,
	[OTLP_SIGNAL_LOGS] = &otlp_signal_logs,
	[OTLP_SIGNAL_METRICS] = &otlp_signal_metrics,
};

const struct otlp_signal_desc *otlp_signal_get(enum otlp_signal s)
{
	return (unsigned)s < OTLP_SIGNAL_COUNT ? signals[s] : NULL;
}

static int same(const char *want, const char *s, size_t len)
{
	return strlen(want) == len && (len == 0 || memcmp(want, s, len) == 0);
}

#define FIND(member)                                       \
	for (unsigned i = 0; i < OTLP_SIGNAL_COUNT; i++)   \
		if (s && same(signals[i]->member, s, len)) \
			return signals[i];                 \
	return NULL

const struct otlp_signal_desc *otlp_signal_by_http_path(const char *s, size_t len)
{
	FIND(http_path);
}

const struct otlp_signal_desc *otlp_signal_by_grpc_path(const char *s, size_t len)
{
	FIND(grpc_method);
}

const struct otlp_signal_desc *otlp_signal_by_name(const char *s, size_t len)
{
	FIND(name);
}
