/* libFuzzer: arbitrary bytes as a ring record through a process chain that
 * uses every processor type (filter with regexps, sampler, attributes with
 * every action, resource, span rename/extract, a filter with OTTL span and
 * spanevent conditions), and through the batch
 * splitter. Must never crash, and output must stay within the buffer. The
 * chain runs twice, with and without telling the rewriter which attributes
 * its edits name (spanctx's key ids): both must give the same bytes. Inputs
 * whose first byte is odd are read instead as a recipe for a valid
 * ResourceSpans (tb.c, protobuf-c): spans with attributes drawn from the
 * keys the chain names (repeated keys too) and a few it does not, so that
 * kept spans with edits come up every run, not once in millions. Where
 * the validator says every span's fields 1-8 come first, the drop-only
 * chain decides the same reading only those as reading whole spans. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "stages/chain.h"
#include "stages/split.h"
#include "tests/stages/tb.h"

static const char yaml[] =
	"processors:\n"
	"  filter:\n    spans:\n      exclude:\n        match_type: regexp\n"
	"        span_names: [\"^drop\"]\n        attributes:\n          - key: k\n            value: \"v.*\"\n"
	"  probabilistic_sampler:\n    sampling_percentage: 75\n"
	"  resource:\n    attributes:\n      - {key: r, value: 1, action: upsert}\n"
	"      - {pattern: \"^x\", action: delete}\n"
	"  attributes:\n    actions:\n      - {key: a, value: s, action: insert}\n"
	"      - {key: b, from_attribute: a, action: upsert}\n"
	"      - {key: c, action: hash}\n      - {pattern: \"^d\", action: hash}\n"
	"      - {key: e, pattern: \"(?P<g1>[a-z]+)-(?P<g2>[0-9]+)\", action: extract}\n"
	"      - {key: k, value: 2.5, action: update}\n      - {key: f, action: delete}\n"
	"  span:\n    name:\n      from_attributes: [a, g1]\n      separator: \"-\"\n"
	"      to_attributes:\n        rules: [\"^(?P<w>[a-z]+)-\"]\n"
	"  filter/ottl:\n    error_mode: ignore\n    traces:\n      span:\n"
	"        - name == \"x\" and attributes[\"k\"] == 2.5\n"
	"        - instrumentation_scope.name == \"scope1\" and IsMatch(attributes[\"w\"], \"^abc\")\n"
	"      spanevent:\n        - name == \"e\" or span.attributes[\"a\"] == \"zz\"\n"
	"service:\n  pipelines:\n    traces:\n"
	"      processors: [filter, probabilistic_sampler, resource, attributes, span, filter/ottl]\n";

/* A chain that only drops: its output is often a byte copy of the input,
 * and when the result says so (no edit, every span kept, same length) it
 * must be one: the process stage then seals it with the input's CRC. */
static const char yaml_drop[] =
	"processors:\n"
	"  filter:\n    spans:\n      exclude:\n        match_type: regexp\n"
	"        span_names: [\"^drop\"]\n"
	"  probabilistic_sampler:\n    sampling_percentage: 75\n"
	"service:\n  pipelines:\n    traces:\n      processors: [filter, probabilistic_sampler]\n";

static struct chain *ch, *ch_drop;
static struct split sp;
static uint8_t out[1 << 20], out2[1 << 20];

static int fuzz_emit(void *arg, size_t frame_len, uint32_t items, uint8_t **dst)
{
	(void)items;
	size_t *total = arg;
	if (frame_len > sizeof out)
		return -EMSGSIZE;
	*total += frame_len;
	*dst = out;
	return 0;
}

/* Bytes read one at a time, 0 once they run out. */
struct recipe {
	const uint8_t *p, *end;
};

static unsigned recipe_next(struct recipe *r)
{
	return r->p < r->end ? *r->p++ : 0;
}

static uint8_t *recipe_build(const uint8_t *data, size_t size, size_t *len)
{
	static const char *const keys[] = { "a",  "b", "c",  "d1", "e",	 "f", "k",
					    "g1", "w", "x1", "zz", "dd", "" };
	static const char *const strs[] = { "vx", "abc-123", "s", "", "hello-9", "v" };
	static const char *const names[] = { "drop-it", "get-7", "abc-12", "x", "" };
	static const char types[] = "sssidbay";
	static const struct tb_attr res[] = { { .key = "r", .type = 'i', .i = 5 },
					      { .key = "x2", .type = 's', .s = "q" },
					      { .key = "service.name", .type = 's', .s = "svc" },
					      { .key = NULL } };
	static struct tb_span spans[6];
	struct recipe r = { data + 1, data + size };
	int n = 1 + (int)(recipe_next(&r) % 6);
	for (int i = 0; i < n; i++) {
		unsigned b = recipe_next(&r);
		spans[i] = (struct tb_span){ .name = names[b % 5],
					     .kind = (int)(b >> 3) % 6,
					     .start = 1000,
					     .end = 1000 + recipe_next(&r),
					     .status = (int)(b >> 6),
					     .trace = 1 + recipe_next(&r) % 3,
					     .scope = (int)(recipe_next(&r) % 2) };
		int na = (int)(recipe_next(&r) % TB_MAX_ATTRS); /* a NULL key ends the list */
		for (int j = 0; j < na; j++) {
			unsigned k = recipe_next(&r), v = recipe_next(&r);
			spans[i].attrs[j] = (struct tb_attr){ .key = keys[k % 13],
							      .type = types[(k >> 4) % 8],
							      .s = strs[v % 6],
							      .i = (int64_t)v - 100,
							      .d = v / 4.0,
							      .b = (int)(v & 1) };
		}
	}
	return tb_pack(res, spans, n, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ch) {
		struct sluice_config *cfg;
		char err[256];
		if (config_load_buffer("<fuzz>", yaml, sizeof yaml - 1, &cfg, NULL) < 0)
			abort();
		ch = chain_new(cfg->pipeline.processors, cfg->pipeline.n_processors, err, sizeof err);
		if (!ch || split_init(&sp, 4096, 4096) < 0)
			abort();
		if (config_load_buffer("<fuzz>", yaml_drop, sizeof yaml_drop - 1, &cfg, NULL) < 0)
			abort();
		ch_drop = chain_new(cfg->pipeline.processors, cfg->pipeline.n_processors, err, sizeof err);
		if (!ch_drop)
			abort();
		/* cfg stays alive for the chain: the process lives as long */
	}
	if (size > (512u << 10))
		return 0;
	uint8_t *built = NULL;
	if (size && (data[0] & 1)) {
		built = recipe_build(data, size, &size);
		data = built;
	}
	chain_hints(ch, true);
	int64_t n = chain_run(ch, data, size, out, sizeof out, NULL, false);
	if (n > (int64_t)sizeof out)
		abort();
	chain_hints(ch, false);
	int64_t n2 = chain_run(ch, data, size, out2, sizeof out2, NULL, false);
	if (n2 != n || (n > 0 && memcmp(out, out2, (size_t)n) != 0))
		abort(); /* hints and key comparisons disagree */
	struct otlp_rewrite_result r;
	for (int k = 0; k < 2; k++) {
		int64_t m = chain_run(k ? ch_drop : ch, data, size, out2, sizeof out2, &r, false);
		if (m > 0 && (size_t)m == size && r.edits == 0 && r.spans_kept == r.spans_in &&
		    memcmp(out2, data, size) != 0)
			abort(); /* said to be a byte copy, and is not */
	}
	/* where the validator vouches that every span's fields 1-8 come first
	 * (what ingest marks RECORD_F_HEADS_FIRST), decoding only those must
	 * decide every span as the whole decode does */
	struct otlp_wire_counts vc;
	if (size && otlp_wire_validate_resource_spans(data, size, &vc, NULL) == 0 &&
	    vc.spans_heads_mixed == 0) {
		struct otlp_rewrite_result rf, rh;
		int64_t full = chain_run(ch_drop, data, size, out, sizeof out, &rf, false);
		int64_t head = chain_run(ch_drop, data, size, out2, sizeof out2, &rh, true);
		if (full != head || rf.spans_kept != rh.spans_kept || rf.spans_in != rh.spans_in ||
		    (full > 0 && memcmp(out, out2, (size_t)full) != 0))
			abort();
	}
	size_t total = 0;
	split_run(&sp, OTLP_SIGNAL_TRACES, data, size, 3, 300, fuzz_emit, &total);
	free(built);
	return 0;
}
