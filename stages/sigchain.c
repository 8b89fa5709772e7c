/* stages/sigchain.c: the per-signal chains behind one interface. Traces
 * run stages/chain.c; logs and metrics stages/chain_item.c (logchain.c,
 * metricchain.c). A chain without processors copies. */
#include "stages/sigchain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/chain.h"
#include "stages/chain_item.h"

struct sigchain {
	enum sluice_signal signal;
	size_t n;
	struct chain *spans;	  /* traces */
	struct chain_item *items; /* logs, metrics */
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
	if (signal == SLUICE_SIGNAL_TRACES)
		c->spans = chain_new(procs, n, err, errlen);
	else if (signal == SLUICE_SIGNAL_LOGS || signal == SLUICE_SIGNAL_METRICS)
		c->items = chain_item_new(signal, procs, n, err, errlen);
	else
		snprintf(err, errlen, "unknown signal %d", (int)signal);
	if (!c->spans && !c->items) {
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
	chain_item_free(c->items);
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
	else
		chain_item_bind(c->items, comp);
}

int64_t sigchain_run(struct sigchain *c, const uint8_t *in, size_t len, uint32_t items, bool heads_first,
		     uint8_t *out, size_t cap, struct sigchain_result *res)
{
	if (c->n && c->spans) {
		struct otlp_rewrite_result r = { 0 };
		int64_t n = chain_run(c->spans, in, len, out, cap, &r, heads_first);
		res->items_in = r.spans_in;
		res->items_kept = r.spans_kept;
		res->verbatim = n > 0 && (size_t)n == len && r.edits == 0 && r.spans_kept == r.spans_in;
		return n;
	}
	if (c->n) {
		struct chain_item_result r = { 0 };
		int64_t n = c->signal == SLUICE_SIGNAL_LOGS
				    ? logchain_run(c->items, in, len, out, cap, &r)
				    : metricchain_run(c->items, in, len, out, cap, &r);
		res->items_in = r.in;
		res->items_kept = n > 0 ? r.kept : 0;
		res->verbatim = false;
		return n;
	}
	if (len > cap)
		return -ENOSPC;
	memcpy(out, in, len);
	res->items_in = res->items_kept = items;
	res->verbatim = true;
	return (int64_t)len;
}

void sigchain_flush_stats(struct sigchain *c)
{
	if (c->spans)
		chain_flush_stats(c->spans);
	else
		chain_item_flush(c->items);
}

bool sigchain_collect(struct sigchain *c, struct chain_facts *f)
{
	if (!c->n || !c->spans || !chain_keeps_span_fields(c->spans))
		return false;
	chain_collect(c->spans, f);
	return true;
}
