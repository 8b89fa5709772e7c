/* The filter processor's OTTL form in the span chain, one line a case:
 * traces.span conditions drop spans, traces.spanevent conditions drop
 * events; conditions see the edits of the processors before them. Input
 * and expected output are built with protobuf-c; the output is decoded
 * with protobuf-c and packed again, so every field is compared. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "stages/sigchain.h"
#include "tests/stages/tbx.h"
#include "tests/check_run.h"

#define NSPAN 4

static const struct tb_attr base_res[] = { { .key = "service.name", .type = 's', .s = "checkout" },
					   { .key = NULL } };

static const struct tbx_span base[NSPAN] = {
	{ .name = "GET /users",
	  .trace = 1,
	  .n_events = 2,
	  .attrs = { { .key = "http.method", .type = 's', .s = "GET" },
		     { .key = "http.route", .type = 's', .s = "/users" } },
	  .ev = { { .name = "exception",
		    .attrs = { { .key = "exception.type", .type = 's', .s = "IOError" } } },
		  { .name = "log" } } },
	{ .name = "healthz",
	  .trace = 2,
	  .n_events = 1,
	  .attrs = { { .key = "http.route", .type = 's', .s = "/healthz" } },
	  .ev = { { .name = "log" } } },
	{ .name = "POST /pay", .trace = 3, .attrs = { { .key = "http.method", .type = 's', .s = "POST" } } },
	{ .name = "db query",
	  .trace = 4,
	  .n_events = 3,
	  .attrs = { { .key = "db.system", .type = 's', .s = "pg" } },
	  .ev = { { .name = "exception",
		    .attrs = { { .key = "exception.type", .type = 's', .s = "Timeout" } } },
		  { .name = "exception",
		    .attrs = { { .key = "exception.type", .type = 's', .s = "IOError" } } },
		  { .name = "retry" } } },
};

#define F(list) "  filter:\n    traces:\n" list
static const struct scase {
	const char *name, *procs, *list;
	const char *keep;   /* "s:e,e ...": kept spans with their kept events */
	const char *rename; /* "s=name": expected new names */
} cases[] = {
	{ "span name", F("      span:\n        - name == \"healthz\"\n"), "filter", "0:0,1 2: 3:0,1,2", "" },
	{ "span or",
	  F("      span:\n        - attributes[\"http.method\"] == \"POST\" or IsMatch(name, \"^db\")\n"),
	  "filter", "0:0,1 1:0", "" },
	{ "span two conditions",
	  F("      span:\n        - name == \"healthz\"\n        - name == \"db query\"\n"), "filter",
	  "0:0,1 2:", "" },
	{ "event name", F("      spanevent:\n        - name == \"log\"\n"), "filter", "0:0 1: 2: 3:0,1,2",
	  "" },
	{ "event attribute", F("      spanevent:\n        - attributes[\"exception.type\"] == \"IOError\"\n"),
	  "filter", "0:1 1:0 2: 3:0,2", "" },
	{ "event span path",
	  F("      spanevent:\n        - span.name == \"db query\" and name == \"exception\"\n"), "filter",
	  "0:0,1 1:0 2: 3:2", "" },
	{ "event span attribute",
	  F("      spanevent:\n        - span.attributes[\"http.method\"] == \"GET\"\n"), "filter",
	  "0: 1:0 2: 3:0,1,2", "" },
	{ "span and event",
	  F("      span:\n        - name == \"healthz\"\n      spanevent:\n        - name == \"retry\"\n"),
	  "filter", "0:0,1 2: 3:0,1", "" },
	{ "two event filters",
	  "  filter/a:\n    traces:\n      spanevent:\n        - name == \"log\"\n"
	  "  filter/b:\n    traces:\n      spanevent:\n        - attributes[\"exception.type\"] == \"Timeout\"\n",
	  "filter/a, filter/b", "0:0 1: 2: 3:1,2", "" },
	{ "events of a dropped span",
	  "  filter/a:\n    traces:\n      spanevent:\n        - name == \"exception\"\n"
	  "  filter/b:\n    traces:\n      span:\n        - name == \"GET /users\"\n",
	  "filter/a, filter/b", "1:0 2: 3:2", "" },
	{ "resource", F("      span:\n        - resource.attributes[\"service.name\"] == \"checkout\"\n"),
	  "filter", "", "" },
	{ "scope", F("      span:\n        - instrumentation_scope.name == \"lib\"\n"), "filter", "", "" },
	{ "kind and ids",
	  F("      span:\n        - kind == SPAN_KIND_SERVER and span_id.string == \"0303030303030303\"\n"),
	  "filter", "0:0,1 2: 3:0,1,2", "" },
	{ "after a rename",
	  "  span:\n    name:\n      from_attributes: [http.method]\n" F(
		  "      span:\n        - name == \"GET\"\n"),
	  "span, filter", "1:0 2: 3:0,1,2", "2=POST" },
	{ "after an insert",
	  "  attributes:\n    actions:\n      - {key: tier, value: web, action: insert}\n" F(
		  "      span:\n        - attributes[\"tier\"] == \"web\"\n"),
	  "attributes, filter", "", "" },
};

static uint8_t out[1 << 20];

static uint8_t *repack(const uint8_t *p, size_t len, size_t *n)
{
	TbRs *rs = tb_unpack(p, len);
	ck_assert_ptr_nonnull(rs);
	*n = opentelemetry__proto__trace__v1__resource_spans__get_packed_size(rs);
	uint8_t *b = malloc(*n + 1);
	opentelemetry__proto__trace__v1__resource_spans__pack(rs, b);
	tb_free(rs);
	return b;
}

START_TEST(span_ottl_cases)
{
	const struct scase *k = &cases[_i];
	char err[512];
	struct sluice_config *cfg = tbx_config("traces", k->procs, k->list);
	const struct sluice_pipeline *pl = &cfg->pipelines[0];
	struct sigchain *c = sigchain_new(SLUICE_SIGNAL_TRACES, pl->processors, pl->n_processors, err,
					  sizeof err);
	ck_assert_msg(c != NULL, "%s", err);
	size_t len, want_len, got_len;
	uint8_t *in = tbx_pack_spans(base_res, base, NSPAN, &len);
	struct sigchain_result r;
	int64_t n = sigchain_run(c, in, len, NSPAN, false, out, sizeof out, &r);
	ck_assert_msg(n >= 0, "%s: %lld", k->name, (long long)n);

	struct tbx_span want[NSPAN];
	int nw = 0;
	for (const char *p = k->keep; *p;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		int s = *p - '0';
		p += 2;
		want[nw] = base[s];
		want[nw].n_events = 0;
		while (*p >= '0' && *p <= '9') {
			struct tbx_event *e = &want[nw].ev[want[nw].n_events++];
			*e = base[s].ev[*p - '0'];
			e->time = 1500 + (uint64_t)(*p - '0'); /* as it was packed */
			if (*++p == ',')
				p++;
		}
		for (const char *q = k->rename; *q; q++)
			if (q[0] == '0' + s && q[1] == '=')
				want[nw].name = q + 2;
		nw++;
	}
	ck_assert_msg(r.items_kept == (uint64_t)nw, "%s: kept %llu, want %d", k->name,
		      (unsigned long long)r.items_kept, nw);
	if (!nw) {
		ck_assert_int_eq(n, 0);
	} else {
		uint8_t *want_b = tbx_pack_spans(base_res, want, nw, &want_len);
		uint8_t *got = repack(out, (size_t)n, &got_len);
		ck_assert_msg(got_len == want_len && !memcmp(got, want_b, got_len),
			      "%s: output differs from the expected record", k->name);
		free(want_b);
		free(got);
	}
	free(in);
	sigchain_free(c);
	config_free(cfg);
}
END_TEST

/* Many spans, many events, an event dropped now and then: the in-place
 * pass keeps lengths right across length-prefix size changes. */
START_TEST(span_events_many)
{
	char err[512];
	struct sluice_config *cfg = tbx_config("traces", F("      spanevent:\n        - name == \"x\"\n"),
					       "filter");
	const struct sluice_pipeline *pl = &cfg->pipelines[0];
	struct sigchain *c = sigchain_new(SLUICE_SIGNAL_TRACES, pl->processors, pl->n_processors, err,
					  sizeof err);
	ck_assert_ptr_nonnull(c);
	static struct tbx_span spans[300];
	static char names[300][160];
	for (int i = 0; i < 300; i++) {
		/* names long enough that a span's length prefix takes two bytes */
		snprintf(names[i], sizeof names[i], "span-%d-%0*d", i, 60 + i % 80, 0);
		spans[i] = (struct tbx_span){ .name = names[i], .trace = (uint64_t)i + 1, .n_events = i % 5 };
		for (int e = 0; e < i % 5; e++)
			spans[i].ev[e].name = (i + e) % 3 ? "keep" : "x";
	}
	size_t len;
	uint8_t *in = tbx_pack_spans(base_res, spans, 300, &len);
	struct sigchain_result r;
	int64_t n = sigchain_run(c, in, len, 300, false, out, sizeof out, &r);
	ck_assert_int_gt(n, 0);
	TbRs *rs = tb_unpack(out, (size_t)n);
	ck_assert_ptr_nonnull(rs);
	TbSpan **sp;
	ck_assert_uint_eq(tb_spans(rs, &sp), 300);
	for (int i = 0; i < 300; i++) {
		size_t want = 0;
		for (int e = 0; e < i % 5; e++)
			want += (i + e) % 3 != 0;
		ck_assert_str_eq(sp[i]->name, names[i]);
		ck_assert_uint_eq(sp[i]->n_events, want);
		for (size_t e = 0; e < sp[i]->n_events; e++)
			ck_assert_str_eq(sp[i]->events[e]->name, "keep");
	}
	tb_free(rs);
	free(in);
	sigchain_free(c);
	config_free(cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spanchain_ottl");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, span_ottl_cases, 0, (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, span_events_many);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
