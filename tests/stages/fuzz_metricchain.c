/* libFuzzer: the metric chain (resource, attributes with every action, a
 * legacy metric filter, an OTTL filter with metric and datapoint
 * conditions) on arbitrary bytes as a ResourceMetrics ring record. Inputs
 * whose first byte is odd are a recipe for a valid ResourceMetrics built
 * with protobuf-c: metrics of all five types, points with attributes the
 * chain names. Checks: never a crash, output within the buffer; hints and
 * key comparisons give the same bytes; one byte less room is -ENOSPC; for
 * built input, every point is counted, the output decodes with protobuf-c,
 * holds exactly the points counted as kept, no metric without points
 * (datapoint conditions are configured) and no empty ScopeMetrics. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "stages/chain_item.h"
#include "tests/stages/tbx.h"

static const char yaml[] =
	"processors:\n"
	"  resource:\n    attributes:\n      - {key: r, value: 1, action: upsert}\n"
	"      - {pattern: \"^x\", action: delete}\n"
	"  attributes:\n    actions:\n      - {key: a, value: s, action: insert}\n"
	"      - {key: b, from_attribute: a, action: upsert}\n"
	"      - {key: c, action: hash}\n      - {pattern: \"^d\", action: hash}\n"
	"      - {key: e, pattern: \"(?P<g1>[a-z]+)-(?P<g2>[0-9]+)\", action: extract}\n"
	"      - {key: k, value: 2.5, action: update}\n      - {key: f, action: delete}\n"
	"  filter/legacy:\n    metrics:\n      exclude:\n        match_type: regexp\n"
	"        metric_names: [\"^drop\"]\n"
	"  filter/ottl:\n    error_mode: silent\n    metrics:\n      metric:\n"
	"        - name == \"gone\" or (type == METRIC_DATA_TYPE_SUMMARY and resource.attributes[\"r\"] == 3)\n"
	"      datapoint:\n        - attributes[\"g1\"] == \"abc\" or value_int > 200\n"
	"        - metric.name == \"m2\" and IsMatch(attributes[\"a\"], \"^v\")\n"
	"service:\n  pipelines:\n    metrics:\n"
	"      processors: [resource, filter/legacy, attributes, filter/ottl]\n";

static struct chain_item *ch;
static uint8_t out[1 << 20], out2[1 << 20];

struct recipe {
	const uint8_t *p, *end;
};

static unsigned next(struct recipe *r)
{
	return r->p < r->end ? *r->p++ : 0;
}

static uint8_t *recipe_build(const uint8_t *data, size_t size, size_t *len, uint64_t *points)
{
	static const char *const keys[] = { "a", "b", "c", "d1", "e", "f", "k", "g1", "x1", "zz", "" };
	static const char *const strs[] = { "vx", "abc-123", "s", "", "hello-9", "q" };
	static const char *const names[] = { "m1", "m2", "drop.me", "gone", "" };
	static const char mtypes[] = "gsherg";
	static const char types[] = "sssidbay";
	static const struct tb_attr res[] = { { .key = "r", .type = 'i', .i = 5 },
					      { .key = "x2", .type = 's', .s = "q" },
					      { .key = NULL } };
	static struct tbx_metric ms[6];
	struct recipe r = { data + 1, data + size };
	int n = 1 + (int)(next(&r) % 6);
	*points = 0;
	for (int i = 0; i < n; i++) {
		unsigned b = next(&r);
		ms[i] = (struct tbx_metric){ .name = names[b % 5],
					     .type = mtypes[(b >> 3) % 6],
					     .scope = (int)((b >> 6) % 3),
					     .n = (int)(next(&r) % 5) };
		*points += (uint64_t)ms[i].n;
		for (int j = 0; j < ms[i].n; j++) {
			unsigned v = next(&r);
			struct tbx_point *p = &ms[i].p[j];
			*p = (struct tbx_point){
				.num = (v & 1) ? 'i' : 'd', .i = (int64_t)v * 2, .d = v / 3.0, .t = v
			};
			int na = (int)(next(&r) % TBX_MAX);
			for (int k = 0; k < na; k++) {
				unsigned kk = next(&r), vv = next(&r);
				p->attrs[k] = (struct tb_attr){ .key = keys[kk % 11],
								.type = types[(kk >> 4) % 8],
								.s = strs[vv % 6],
								.i = (int64_t)vv - 100,
								.d = vv / 4.0,
								.b = (int)(vv & 1) };
			}
		}
	}
	return tbx_pack_metrics(res, ms, n, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ch) {
		struct sluice_config *cfg;
		char err[256];
		if (config_load_buffer("<fuzz>", yaml, sizeof yaml - 1, &cfg, NULL) < 0)
			abort();
		ch = chain_item_new(SLUICE_SIGNAL_METRICS, cfg->pipelines[0].processors,
				    cfg->pipelines[0].n_processors, err, sizeof err);
		if (!ch)
			abort();
	}
	if (size > (256u << 10))
		return 0;
	uint8_t *built = NULL;
	uint64_t n_in = 0;
	if (size && (data[0] & 1)) {
		built = recipe_build(data, size, &size, &n_in);
		data = built;
	}
	struct chain_item_result res, res2;
	ch->ctx.no_hints = false;
	int64_t n = metricchain_run(ch, data, size, out, sizeof out, &res);
	if (n > (int64_t)sizeof out)
		abort();
	ch->ctx.no_hints = true;
	int64_t n2 = metricchain_run(ch, data, size, out2, sizeof out2, &res2);
	if (n2 != n || (n > 0 && memcmp(out, out2, (size_t)n) != 0))
		abort();
	if (n > 0 && metricchain_run(ch, data, size, out2, (size_t)n - 1, &res2) != -ENOSPC)
		abort();
	if (built) {
		if (n < 0 || res.in != n_in)
			abort();
		if (n > 0) {
			TbRm *rm = tbx_unpack_metrics(out, (size_t)n);
			TbMetric **ms;
			if (!rm)
				abort();
			size_t nm = tbx_metrics(rm, &ms);
			uint64_t pts = 0;
			for (size_t i = 0; i < nm; i++) {
				if (!tbx_points(ms[i]))
					abort(); /* datapoint conditions: an emptied metric goes */
				pts += tbx_points(ms[i]);
			}
			for (size_t s = 0; s < rm->n_scope_metrics; s++)
				if (!rm->scope_metrics[s]->n_metrics)
					abort();
			if (pts != res.kept)
				abort();
			tbx_free_metrics(rm);
		} else if (res.kept) {
			abort();
		}
	}
	chain_item_flush(ch);
	free(built);
	return 0;
}
