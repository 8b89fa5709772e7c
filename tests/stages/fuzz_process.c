/* libFuzzer: arbitrary bytes as one IN record through the process stage's
 * executor with a fixed graph: traces/in -> routing (a resource route,
 * then a span route with IsMatch, default) -> traces/a, traces/b,
 * traces/c, and traces/in -> spanmetrics. Must never crash; MID records
 * stay within their rings. When the input is a valid ResourceSpans, every
 * MID record must be one too, holding rec->items spans, and every input
 * span must land on exactly one of the three sides (the routing split loses
 * and duplicates nothing). Inputs whose first byte is odd are read as a
 * recipe for a valid record (tb.c), so split records come up every run. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg/agg_config.h"
#include "stages/process_priv.h"
#include "tests/stages/tb.h"

static const char yaml[] =
	"receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:0\n"
	"connectors:\n  spanmetrics:\n    dimensions: [{name: tier}]\n"
	"  routing:\n    table:\n"
	"      - condition: 'attributes[\"team\"] == \"a\"'\n        pipelines: [traces/a]\n"
	"      - condition: 'attributes[\"tier\"] == \"gold\" or IsMatch(name, \"^x\")'\n"
	"        context: span\n        pipelines: [traces/b]\n"
	"    default_pipelines: [traces/c]\n"
	"exporters:\n  debug/a:\n  debug/b:\n  debug/c:\n  debug/m:\n"
	"service:\n  pipelines:\n"
	"    traces/in:\n      receivers: [otlp]\n      exporters: [routing, spanmetrics]\n"
	"    traces/a:\n      receivers: [routing]\n      exporters: [debug/a]\n"
	"    traces/b:\n      receivers: [routing]\n      exporters: [debug/b]\n"
	"    traces/c:\n      receivers: [routing]\n      exporters: [debug/c]\n"
	"    metrics:\n      receivers: [spanmetrics]\n      exporters: [debug/m]\n";

static struct sluice_config *cfg;
static struct segment seg;
static struct process *px;
static struct ring mids[3];
static char inst[64];
static uint64_t seq;

/* ---- the span accessor (what stages/ottl_access.h will give) ---- */

static int span_attr(void *item, const struct ottl_eval_key *k, struct ottl_value *out)
{
	const struct route_item *it = item;
	struct otlp_value v;
	int rc = 0;

	out->type = OTTL_NIL;
	if (k->map == OTTL_MAP_ITEM)
		rc = otlp_wire_find_attr(it->item, OTLP_F_SPAN_ATTRIBUTES, (const char *)k->s, k->len, &v);
	else if (k->map == OTTL_MAP_RESOURCE)
		rc = otlp_wire_find_attr(it->resource, OTLP_F_RESOURCE_ATTRIBUTES, (const char *)k->s, k->len,
					 &v);
	if (rc > 0)
		route_value(&v, out);
	return rc < 0 ? rc : 0;
}

static int span_field(void *item, enum ottl_field f, struct ottl_value *out)
{
	const struct route_item *it = item;
	struct otlp_span sp;

	out->type = OTTL_NIL;
	if (f != OTTL_F_SPAN_NAME)
		return 0;
	if (otlp_wire_span(it->item, &sp) < 0)
		return -EBADMSG;
	out->type = OTTL_STRING;
	out->u.s.p = sp.name.p;
	out->u.s.len = sp.name.len;
	return 0;
}

static const struct ottl_eval_accessor span_access = { span_attr, span_field };
static const struct route_access access_tab = { .acc = { [OTTL_CTX_SPAN] = &span_access } };

static void cleanup(void)
{
	segment_unlink(inst);
}

static void setup(void)
{
	static struct segment_params p;
	struct config_error err;
	char e[512], region[128];

	if (config_load_buffer("<fuzz>", yaml, sizeof yaml - 1, &cfg, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		abort();
	}
	const struct sluice_plan *plan = cfg->plan;
	p.nrings = plan->n_rings;
	p.topology = plan->fingerprint;
	for (uint32_t i = 0; i < plan->n_rings; i++)
		p.ring_capacity[i] = 1u << 20;
	for (size_t k = 0; k < cfg->n_connectors; k++) {
		struct agg_config ac;
		if (cfg->connectors[k].type != SLUICE_CONN_SPANMETRICS)
			continue;
		if (agg_config_from(&cfg->connectors[k].spanmetrics, &ac, e, sizeof e) < 0)
			abort();
		agg_config_region_name(&cfg->connectors[k], region, sizeof region);
		p.aux[0].name = region;
		p.aux[0].size = agg_region_size(&ac.params);
		p.naux = 1;
	}
	snprintf(inst, sizeof inst, "stfuzz-%d", (int)getpid());
	segment_unlink(inst);
	if (segment_create(&seg, inst, &p) < 0)
		abort();
	atexit(cleanup);
	if (process_new(&px, cfg, &seg, &(struct process_opts){ .route_access = &access_tab }, e, sizeof e) <
	    0) {
		fprintf(stderr, "%s\n", e);
		abort();
	}
	for (int s = 0; s < 3; s++)
		segment_ring(&seg, (uint32_t)plan->pipelines[s + 1].mid_ring, &mids[s]);
}

/* A valid record from a recipe: spans named x... or y..., tier gold or
 * not, the resource's team a or b or none. */
static uint8_t *recipe(const uint8_t *d, size_t n, size_t *len)
{
	static struct tb_span sp[64];
	static char names[64][16];
	struct tb_attr res[] = { { .key = "team", .type = 's', .s = n > 1 && d[1] % 3 == 0 ? "a" : "b" },
				 { .key = "service.name", .type = 's', .s = "svc" },
				 { .key = NULL } };
	int k = 0;

	for (size_t i = 2; i < n && k < 64; i++, k++) {
		snprintf(names[k], sizeof names[k], "%c%u", d[i] & 1 ? 'x' : 'y', d[i]);
		sp[k] = (struct tb_span){
			.name = names[k],
			.kind = d[i] % 6,
			.scope = d[i] >> 6,
			.trace = d[i] + 1u,
			.start = 1000,
			.end = 1000 + d[i] * 100000ull,
			.attrs = { { .key = "tier", .type = 's', .s = d[i] & 2 ? "gold" : "bronze" } }
		};
	}
	return tb_pack(res, sp, k, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *own = NULL;
	struct otlp_wire_counts c;
	struct px_wait w;

	if (!px)
		setup();
	if (size && (data[0] & 1)) {
		own = recipe(data, size, &size);
		data = own;
	}
	int valid = otlp_wire_validate_resource_spans(data, size, &c, NULL) == 0;
	struct px_item it = { .in = 0, .conn = -1, .seq = ++seq, .ingest_ns = 1 };
	uint64_t entry = cfg->plan->rings[0].pipelines;
	if (px_item_begin(px, &it, entry) > 0) {
		/* marked as ingest would mark it (RECORD_F_HEADS_FIRST) */
		struct px_view v = { data, size,  valid ? c.spans : 0,
				     0,	   false, valid && c.spans_heads_mixed == 0 };
		px_run_part(px, entry, &v);
		if (px_item_end(px, &w) != 1)
			abort(); /* 1 MiB rings drained after every input: never full, never fatal */
	}
	uint64_t out = 0;
	for (int s = 0; s < 3; s++) {
		const struct record *rec;
		while (ring_peek(&mids[s], &rec, 0) == 0) {
			struct otlp_wire_counts rc;
			if (valid && (otlp_wire_validate_resource_spans(record_cpayload(rec), rec->len, &rc,
									NULL) < 0 ||
				      rc.spans != rec->items))
				abort();
			out += rec->items;
			ring_commit(&mids[s], ring_cursor(&mids[s]));
		}
	}
	if (valid && out != c.spans)
		abort();
	free(own);
	return 0;
}
