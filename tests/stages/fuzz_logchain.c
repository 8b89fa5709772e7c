/* libFuzzer: the log chain (every processor a logs pipeline can run:
 * resource, attributes with every action, a legacy filter, an OTTL filter,
 * the sampler by trace id and by attribute) on arbitrary bytes as a
 * ResourceLogs ring record. Inputs whose first byte is odd are a recipe
 * for a valid ResourceLogs built with protobuf-c (records with attributes
 * the chain names, repeated keys, every value type, bodies, severities,
 * trace ids or none), so kept records with edits come up every run.
 * Checks: never a crash, output within the buffer; the same bytes whether
 * the writer is told where the edited attributes are or compares keys;
 * one byte less room is -ENOSPC; for built input, the output decodes
 * with protobuf-c and holds exactly the records counted as kept; and the
 * log chain's one-pass record decoder (logscan.c) agrees with
 * otlp_wire_log_record on every record it takes. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "otlp/wire_logs.h"
#include "stages/chain_item.h"
#include "stages/logscan.h"
#include "tests/stages/tbx.h"

static const char yaml[] =
	"processors:\n"
	"  resource:\n    attributes:\n      - {key: r, value: 1, action: upsert}\n"
	"      - {pattern: \"^x\", action: delete}\n      - {key: n, value: new, action: insert}\n"
	"  attributes:\n    actions:\n      - {key: a, value: s, action: insert}\n"
	"      - {key: b, from_attribute: a, action: upsert}\n"
	"      - {key: c, action: hash}\n      - {pattern: \"^d\", action: hash}\n"
	"      - {key: e, pattern: \"(?P<g1>[a-z]+)-(?P<g2>[0-9]+)\", action: extract}\n"
	"      - {key: k, value: 2.5, action: update}\n      - {key: f, action: delete}\n"
	"  filter/legacy:\n    logs:\n      exclude:\n        match_type: regexp\n"
	"        bodies: [\"^drop\"]\n        record_attributes: [{key: k, value: \"v.*\"}]\n"
	"      include:\n        severity_number: {min: DEBUG, match_undefined: true}\n"
	"  filter/ottl:\n    error_mode: ignore\n    logs:\n      log_record:\n"
	"        - attributes[\"g1\"] == \"zz\" or IsMatch(body, \"^x\")\n"
	"        - resource.attributes[\"r\"] == 2 and severity_text == \"WARN\"\n"
	"        - IsMatch(attributes[\"a\"], \"q\") and instrumentation_scope.name == \"scope1\"\n"
	"  probabilistic_sampler:\n    sampling_percentage: 75\n"
	"  probabilistic_sampler/attr:\n    sampling_percentage: 90\n    attribute_source: record\n"
	"    from_attribute: w\n    fail_closed: false\n"
	"service:\n  pipelines:\n    logs:\n"
	"      processors: [resource, filter/legacy, probabilistic_sampler, attributes, filter/ottl,"
	" probabilistic_sampler/attr]\n";

static struct chain_item *ch;
static uint8_t out[1 << 20], out2[1 << 20];

struct recipe {
	const uint8_t *p, *end;
};

static unsigned next(struct recipe *r)
{
	return r->p < r->end ? *r->p++ : 0;
}

static uint8_t *recipe_build(const uint8_t *data, size_t size, size_t *len, int *n_out)
{
	static const char *const keys[] = { "a",  "b", "c",  "d1", "e",	 "f", "k",
					    "g1", "w", "x1", "zz", "dd", "" };
	static const char *const strs[] = { "vx", "abc-123", "s", "", "hello-9", "q" };
	static const char *const bodies[] = { "drop me", "x-ray", "fine", "", "hello-9" };
	static const char *const texts[] = { "INFO", "WARN", "", "ERROR" };
	static const char types[] = "sssidbay";
	static const struct tb_attr res[] = { { .key = "r", .type = 'i', .i = 5 },
					      { .key = "x2", .type = 's', .s = "q" },
					      { .key = "service.name", .type = 's', .s = "svc" },
					      { .key = NULL } };
	static struct tbx_log logs[8];
	struct recipe r = { data + 1, data + size };
	int n = 1 + (int)(next(&r) % 8);
	for (int i = 0; i < n; i++) {
		unsigned b = next(&r);
		logs[i] = (struct tbx_log){ .sev = (int)(next(&r) % 25),
					    .sev_text = texts[b & 3],
					    .trace = (b >> 2) & 1 ? 0 : 1 + next(&r) % 5,
					    .scope = (int)((b >> 3) % 3),
					    .time = b };
		if ((b >> 5) & 1) {
			logs[i].has_body_i = 1;
			logs[i].body_i = (int64_t)next(&r) - 50;
		} else if ((b >> 6) & 1) {
			logs[i].body = bodies[next(&r) % 5];
		}
		int na = (int)(next(&r) % TBX_MAX);
		for (int j = 0; j < na; j++) {
			unsigned k = next(&r), v = next(&r);
			logs[i].attrs[j] = (struct tb_attr){ .key = keys[k % 13],
							     .type = types[(k >> 4) % 8],
							     .s = strs[v % 6],
							     .i = (int64_t)v - 100,
							     .d = v / 4.0,
							     .b = (int)(v & 1) };
		}
	}
	*n_out = n;
	return tbx_pack_logs(res, logs, n, len);
}

/* logscan_record against the general decoder, field by field. */
static void check_scan(struct otlp_bytes rec)
{
	struct otlp_log_record a, b;
	struct otlp_rewrite_edits e;
	otlp_rewrite_edits_reset(&e);
	spanctx_item_begin(&ch->ctx, rec, OTLP_F_LOG_ATTRIBUTES, &e);
	if (logscan_record(rec, &a, &ch->ctx) != 0)
		return;
	if (otlp_wire_log_record(rec, &b) != 0)
		abort(); /* the fast path took what the decoder refuses */
#define SAME(f)         \
	if (a.f != b.f) \
	abort()
#define SAME_B(f)                                 \
	if (a.f.len != b.f.len || a.f.p != b.f.p) \
	abort()
	SAME(time_unix_nano);
	SAME(observed_time_unix_nano);
	SAME(severity_number);
	SAME(flags);
	SAME(n_attributes);
	SAME(dropped_attributes_count);
	SAME(has_body);
	SAME_B(severity_text);
	SAME_B(body);
	SAME_B(trace_id);
	SAME_B(span_id);
	SAME_B(event_name);
	SAME_B(raw);
#undef SAME
#undef SAME_B
}

static void check_scans(const uint8_t *data, size_t size)
{
	struct otlp_wire_iter is, ir;
	struct otlp_bytes sl, rec;
	otlp_wire_iter_init(&is, (struct otlp_bytes){ data, size }, OTLP_F_RL_SCOPE_LOGS);
	while (otlp_wire_iter_next(&is, &sl) > 0) {
		otlp_wire_iter_init(&ir, sl, OTLP_F_SL_LOG_RECORDS);
		while (otlp_wire_iter_next(&ir, &rec) > 0)
			check_scan(rec);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ch) {
		struct sluice_config *cfg;
		char err[256];
		if (config_load_buffer("<fuzz>", yaml, sizeof yaml - 1, &cfg, NULL) < 0)
			abort();
		ch = chain_item_new(SLUICE_SIGNAL_LOGS, cfg->pipelines[0].processors,
				    cfg->pipelines[0].n_processors, err, sizeof err);
		if (!ch)
			abort();
		/* cfg stays alive for the chain: the process lives as long */
	}
	if (size > (256u << 10))
		return 0;
	uint8_t *built = NULL;
	int n_in = -1;
	if (size && (data[0] & 1)) {
		built = recipe_build(data, size, &size, &n_in);
		data = built;
	}
	struct chain_item_result res, res2;
	ch->ctx.no_hints = false;
	int64_t n = logchain_run(ch, data, size, out, sizeof out, &res);
	if (n > (int64_t)sizeof out)
		abort();
	ch->ctx.no_hints = true;
	int64_t n2 = logchain_run(ch, data, size, out2, sizeof out2, &res2);
	if (n2 != n || (n > 0 && memcmp(out, out2, (size_t)n) != 0))
		abort(); /* hints and key comparisons disagree */
	if (n > 0 && logchain_run(ch, data, size, out2, (size_t)n - 1, &res2) != -ENOSPC)
		abort();
	if (built) {
		if (n < 0 || res.in != (uint64_t)n_in)
			abort(); /* a valid record fails, or records are miscounted */
		if (n > 0) {
			TbRl *rl = tbx_unpack_logs(out, (size_t)n);
			TbLog **recs;
			if (!rl || tbx_logs(rl, &recs) != res.kept)
				abort();
			for (size_t s = 0; s < rl->n_scope_logs; s++)
				if (!rl->scope_logs[s]->n_log_records)
					abort(); /* an empty ScopeLogs was left */
			tbx_free_logs(rl);
		} else if (res.kept) {
			abort();
		}
	}
	check_scans(data, size);
	chain_item_flush(ch);
	free(built);
	return 0;
}
