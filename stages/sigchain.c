/* stages/sigchain.c: the per-signal chains behind one interface. Traces
 * run stages/chain.c; logs and metrics pass through until their chains
 * exist (a processor list for them is refused at sigchain_new). */
#include "stages/sigchain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/chain.h"

struct sigchain {
	enum sluice_signal signal;
	size_t n;
	struct chain *spans; /* traces */
};

struct sigchain *sigchain_new(enum sluice_signal signal, const struct sluice_processor *const *procs,
			      size_t n, char *err, size_t errlen)
{
	struct sigchain *c = calloc(1, sizeof(*c));

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->signal = signal;
	c->n = n;
	if (signal == SLUICE_SIGNAL_TRACES) {
		c->spans = chain_new(procs, n, err, errlen);
		if (!c->spans) {
			free(c);
			return NULL;
		}
	} else if (n) {
		snprintf(err, errlen, "processor \"%s\": %s pipelines cannot run processors yet",
			 procs[0]->id, config_signal_name(signal));
		free(c);
		return NULL;
	}
	return c;
}

void sigchain_free(struct sigchain *c)
{
	if (!c)
		return;
	chain_free(c->spans);
	free(c);
}

size_t sigchain_len(const struct sigchain *c)
{
	return c->n;
}

void sigchain_bind(struct sigchain *c, struct seg_component *const *comp)
{
	if (c->spans)
		chain_bind_components(c->spans, comp);
}

int64_t sigchain_run(struct sigchain *c, const uint8_t *in, size_t len, uint32_t items,
		     uint8_t *out, size_t cap, struct sigchain_result *res)
{
	if (c->spans && c->spans->n) {
		struct otlp_rewrite_result r = { 0 };
		int64_t n = chain_run(c->spans, in, len, out, cap, &r);
		res->items_in = r.spans_in;
		res->items_kept = r.spans_kept;
		return n;
	}
	if (len > cap)
		return -ENOSPC;
	memcpy(out, in, len);
	res->items_in = res->items_kept = items;
	return (int64_t)len;
}

void sigchain_flush_stats(struct sigchain *c)
{
	if (c->spans)
		chain_flush_stats(c->spans);
}
