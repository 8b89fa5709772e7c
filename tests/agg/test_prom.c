/* tests/agg/test_prom.c: the Prometheus store and exposition: exact text
 * and OpenMetrics for a fixed store, name and label translation, delta
 * accumulation, expiration, resource_to_telemetry, const labels, Accept. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agg/pb.h"
#include "agg/prom_int.h"
#include "aggtest.h"
#include "promcheck.h"
#include "promfix.h"
#include "tests/check_run.h"

static char txt[1 << 16];

static const char *render(struct prom_store *s, enum prom_format f, uint64_t now)
{
	size_t n = prom_render(s, f, now, txt, sizeof txt - 1);
	ck_assert_uint_lt(n, sizeof txt);
	txt[n] = 0;
	ck_assert_int_eq(promcheck(txt, n, f == PROM_OPENMETRICS), 0);
	return txt;
}

#define L                                                                                  \
	"instance=\"i-1\",job=\"checkout\",otel_scope_name=\"spanmetricsconnector\","      \
	"service_name=\"checkout\",span_kind=\"SPAN_KIND_SERVER\",span_name=\"GET /pay\"," \
	"status_code=\"STATUS_CODE_OK\""
#define D "traces_span_metrics_duration_milliseconds"

static const char *want_text = "# HELP target_info Target metadata\n"
			       "# TYPE target_info gauge\n"
			       "target_info{instance=\"i-1\",job=\"checkout\",region=\"eu\"} 1\n"
			       "# HELP traces_span_metrics_calls_total traces.span.metrics.calls\n"
			       "# TYPE traces_span_metrics_calls_total counter\n"
			       "traces_span_metrics_calls_total{" L "} 2\n"
			       "# HELP " D " traces.span.metrics.duration\n"
			       "# TYPE " D " histogram\n" D "_bucket{" L ",le=\"2\"} 1\n" D "_bucket{" L
			       ",le=\"4\"} 2\n" D "_bucket{" L ",le=\"10\"} 2\n" D "_bucket{" L
			       ",le=\"+Inf\"} 2\n" D "_sum{" L "} 4\n" D "_count{" L "} 2\n";

static const char *want_om = "# HELP target_info Target metadata\n"
			     "# TYPE target_info gauge\n"
			     "target_info{instance=\"i-1\",job=\"checkout\",region=\"eu\"} 1.0\n"
			     "# HELP traces_span_metrics_calls traces.span.metrics.calls\n"
			     "# TYPE traces_span_metrics_calls counter\n"
			     "traces_span_metrics_calls_total{" L "} 2.0\n"
			     "# HELP " D " traces.span.metrics.duration\n"
			     "# TYPE " D " histogram\n"
			     "# UNIT " D " milliseconds\n" D "_bucket{" L ",le=\"2.0\"} 1\n" D "_bucket{" L
			     ",le=\"4.0\"} 2\n" D "_bucket{" L ",le=\"10.0\"} 2\n" D "_bucket{" L
			     ",le=\"+Inf\"} 2\n" D "_sum{" L "} 4.0\n" D "_count{" L "} 2\n"
			     "# EOF\n";

START_TEST(exact_text)
{
	struct prom_config c = { 0 };
	struct prom_store *s = promfix_store(AGG_UNIT_MS, false, &c);
	ck_assert_str_eq(render(s, PROM_TEXT, 30 * SEC), want_text);
	ck_assert_str_eq(render(s, PROM_OPENMETRICS, 30 * SEC), want_om);
	/* a small buffer: truncated, full length reported */
	char small[10];
	ck_assert_uint_eq(prom_render(s, PROM_TEXT, 30 * SEC, small, sizeof small), strlen(want_text));
	/* expiration: 5 minutes after the last update nothing is left */
	ck_assert_str_eq(render(s, PROM_TEXT, 21 * SEC + 300 * SEC), "");
	struct prom_stats st;
	prom_get_stats(s, &st);
	ck_assert_uint_eq(st.series, 0);
	ck_assert_uint_eq(st.series_expired, 2);
	prom_store_free(s);
}
END_TEST

START_TEST(delta_accumulates)
{
	struct prom_config c = { 0 };
	struct prom_store *s = promfix_store(AGG_UNIT_MS, true, &c);
	/* two delta flushes of one span each: the same text as cumulative */
	ck_assert_str_eq(render(s, PROM_TEXT, 30 * SEC), want_text);
	prom_store_free(s);
}
END_TEST

/* One ResourceMetrics / ScopeMetrics / Metric around the data the caller
 * writes next: metric_begin opens them (resource attributes `ra`, as
 * at_resource writes them), metric_end closes them. */
struct metric_env {
	size_t rm, sm, m;
};

static void metric_begin(struct pb_w *w, struct metric_env *e, const uint8_t *ra, size_t ralen,
			 const char *name, const char *help, const char *unit)
{
	e->rm = pb_open(w, 1);
	size_t res = pb_open(w, 1);
	pb_raw(w, ra, ralen);
	pb_close(w, res);
	e->sm = pb_open(w, 2);
	e->m = pb_open(w, 2);
	pb_str(w, 1, name);
	if (help)
		pb_str(w, 2, help);
	pb_str(w, 3, unit);
}

static size_t metric_end(struct pb_w *w, const struct metric_env *e)
{
	pb_close(w, e->m);
	pb_close(w, e->sm);
	pb_close(w, e->rm);
	ck_assert_int_eq(w->err, 0);
	return w->pos;
}

/* A Metric with one Sum point (int value), for the tests below. */
static size_t one_sum(uint8_t *buf, size_t cap, const char *name, const char *unit, int temp, int mono,
		      uint64_t start, uint64_t time, int64_t v, const char *attr_k, const char *attr_v)
{
	struct pb_w w;
	struct metric_env e;
	uint8_t ra[128];
	size_t ralen = at_resource(ra, "service.name", "svc", "service.namespace", "shop", "k8s.pod.name",
				   "p-1", NULL);
	pb_init(&w, buf, cap);
	metric_begin(&w, &e, ra, ralen, name, "help \\ text\nline2", unit);
	size_t sum = pb_open(&w, 7);
	size_t dp = pb_open(&w, 1);
	if (attr_k) {
		uint8_t kv[128];
		size_t kl = at_resource(kv, attr_k, attr_v, NULL);
		/* at_resource writes Resource.attributes (field 1); NumberDataPoint
		 * attributes are field 7: rewrite the tag */
		kv[0] = 7 << 3 | 2;
		pb_raw(&w, kv, kl);
	}
	pb_fixed64(&w, 2, start);
	pb_fixed64(&w, 3, time);
	pb_fixed64(&w, 6, (uint64_t)v);
	pb_close(&w, dp);
	pb_u64(&w, 2, (uint64_t)temp);
	pb_u64(&w, 3, (uint64_t)mono);
	pb_close(&w, sum);
	return metric_end(&w, &e);
}

START_TEST(sums_and_labels)
{
	static const struct prom_label cl[] = { { "env", "prod" } };
	struct prom_config c = {
		.namespace_ = "ns", .const_labels = cl, .n_const_labels = 1, .resource_to_telemetry = true
	};
	struct prom_store *s;
	uint8_t buf[1024];
	ck_assert_int_eq(prom_store_new(&s, &c), 0);
	/* delta monotonic: 5, then 3 aligned (start = previous time) -> 8 */
	size_t n = one_sum(buf, sizeof buf, "http.requests", "{request}", 1, 1, 10, 20, 5, "http.method",
			   "GET");
	ck_assert_int_eq(prom_store_add_request(s, buf, n, 1), 1);
	n = one_sum(buf, sizeof buf, "http.requests", "{request}", 1, 1, 20, 30, 3, "http.method", "GET");
	ck_assert_int_eq(prom_store_add_request(s, buf, n, 2), 1);
	/* an older point is ignored */
	n = one_sum(buf, sizeof buf, "http.requests", "{request}", 1, 1, 0, 5, 100, "http.method", "GET");
	ck_assert_int_eq(prom_store_add_request(s, buf, n, 3), 0);
	/* delta up-down counter: dropped; cumulative up-down: a gauge */
	n = one_sum(buf, sizeof buf, "queue.size", "1", 1, 0, 0, 5, 100, NULL, NULL);
	ck_assert_int_eq(prom_store_add_request(s, buf, n, 3), 0);
	n = one_sum(buf, sizeof buf, "queue.size", "1", 2, 0, 0, 5, -4, "2nd", "x");
	ck_assert_int_eq(prom_store_add_request(s, buf, n, 3), 1);
	const char *want =
		"# HELP ns_http_requests_total help \\\\ text\\nline2\n"
		"# TYPE ns_http_requests_total counter\n"
		"ns_http_requests_total{env=\"prod\",http_method=\"GET\",job=\"shop/svc\","
		"k8s_pod_name=\"p-1\",service_name=\"svc\",service_namespace=\"shop\"} 8\n"
		"# HELP ns_queue_size_ratio help \\\\ text\\nline2\n"
		"# TYPE ns_queue_size_ratio gauge\n"
		"ns_queue_size_ratio{env=\"prod\",job=\"shop/svc\",k8s_pod_name=\"p-1\",key_2nd=\"x\","
		"service_name=\"svc\",service_namespace=\"shop\"} -4\n"
		"# HELP ns_target_info Target metadata\n"
		"# TYPE ns_target_info gauge\n"
		"ns_target_info{job=\"shop/svc\",k8s_pod_name=\"p-1\"} 1\n";
	ck_assert_str_eq(render(s, PROM_TEXT, 10), want);
	/* a misaligned delta restarts the series */
	n = one_sum(buf, sizeof buf, "http.requests", "{request}", 1, 1, 50, 60, 2, "http.method", "GET");
	ck_assert_int_eq(prom_store_add_request(s, buf, n, 4), 1);
	ck_assert_ptr_nonnull(strstr(render(s, PROM_TEXT, 10), "service_namespace=\"shop\"} 2\n"));
	prom_store_free(s);
}
END_TEST

/* A delta Histogram point with no bounds and no bucket counts (OTLP
 * allows both empty): one point, then an aligned one. The second adds to
 * the first; the store kept no counts array for it (found by
 * fuzz_prom_store: the add read through a NULL one and the export stage
 * would have crashed on the second flush of such a series). */
static size_t bare_hist(uint8_t *buf, size_t cap, uint64_t start, uint64_t time, uint64_t count, double sum)
{
	struct pb_w w;
	struct metric_env e;
	uint8_t ra[128];
	size_t ralen = at_resource(ra, "service.name", "svc", NULL);
	pb_init(&w, buf, cap);
	metric_begin(&w, &e, ra, ralen, "queue.wait", NULL, "s");
	size_t h = pb_open(&w, 9); /* Histogram */
	size_t dp = pb_open(&w, 1);
	pb_fixed64(&w, 2, start);
	pb_fixed64(&w, 3, time);
	pb_fixed64(&w, 4, count);
	pb_double(&w, 5, sum);
	pb_close(&w, dp);
	pb_u64(&w, 2, 1); /* delta */
	pb_close(&w, h);
	return metric_end(&w, &e);
}

START_TEST(delta_histogram_without_buckets)
{
	struct prom_config c = { 0 };
	struct prom_store *s;
	uint8_t buf[512];
	ck_assert_int_eq(prom_store_new(&s, &c), 0);
	size_t n = bare_hist(buf, sizeof buf, 10, 20, 2, 1.5);
	ck_assert_int_eq(prom_store_add_request(s, buf, n, 1), 1);
	n = bare_hist(buf, sizeof buf, 20, 30, 3, 2.5);
	ck_assert_int_eq(prom_store_add_request(s, buf, n, 2), 1);
	const char *t = render(s, PROM_TEXT, 10);
	ck_assert_msg(strstr(t, "queue_wait_seconds_count{job=\"svc\"} 5\n") &&
			      strstr(t, "queue_wait_seconds_sum{job=\"svc\"} 4\n") &&
			      strstr(t, "le=\"+Inf\"} 5\n"),
		      "%s", t);
	prom_store_free(s);
}
END_TEST

START_TEST(metric_names)
{
	static const struct {
		const char *name, *unit;
		enum prom_type t;
		const char *want, *unit_want;
	} t[] = {
		{ "traces.span.metrics.duration", "ms", PT_HISTOGRAM,
		  "traces_span_metrics_duration_milliseconds", "milliseconds" },
		{ "traces.span.metrics.calls", "", PT_COUNTER, "traces_span_metrics_calls_total", "" },
		{ "http.server.duration", "s", PT_HISTOGRAM, "http_server_duration_seconds", "seconds" },
		{ "requests.count", "1", PT_COUNTER, "requests_count_total", "" },
		{ "memory.usage", "By", PT_GAUGE, "memory_usage_bytes", "bytes" },
		{ "cpu.utilization", "1", PT_GAUGE, "cpu_utilization_ratio", "" },
		{ "net.io", "By/s", PT_GAUGE, "net_io_bytes_per_second", "bytes_per_second" },
		{ "foo.total", "", PT_COUNTER, "foo_total", "" },
		{ "total.foo", "", PT_COUNTER, "foo_total", "" },
		{ "calls", "{call}", PT_COUNTER, "calls_total", "" },
		{ "0x.metric", "", PT_GAUGE, "_0x_metric", "" },
		{ "a__b--c", "", PT_GAUGE, "a_b_c", "" },
		{ "latency.seconds", "s", PT_GAUGE, "latency_seconds", "" },
		{ "x", "Cel", PT_GAUGE, "x_celsius", "celsius" },
	};
	struct prom_config c = { 0 };
	struct prom_store *s;
	ck_assert_int_eq(prom_store_new(&s, &c), 0);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char out[256], u[64];
		struct otlp_bytes n = { (const uint8_t *)t[i].name, strlen(t[i].name) };
		struct otlp_bytes un = { (const uint8_t *)t[i].unit, strlen(t[i].unit) };
		size_t l = prom_metric_name(s, n, un, t[i].t, out, sizeof out, u, sizeof u);
		ck_assert_msg(l == strlen(t[i].want) && !strcmp(out, t[i].want), "%s [%s]: %s, want %s",
			      t[i].name, t[i].unit, out, t[i].want);
		ck_assert_str_eq(u, t[i].unit_want);
	}
	prom_store_free(s);
	c.no_metric_suffixes = true;
	ck_assert_int_eq(prom_store_new(&s, &c), 0);
	char out[256], u[64];
	prom_metric_name(s, (struct otlp_bytes){ (const uint8_t *)"a.b_c", 5 },
			 (struct otlp_bytes){ (const uint8_t *)"ms", 2 }, PT_COUNTER, out, sizeof out, u,
			 sizeof u);
	ck_assert_str_eq(out, "a_b_c");
	prom_store_free(s);

	static const struct {
		const char *in, *want;
	} l[] = {
		{ "http.method", "http_method" },
		{ "123abc", "key_123abc" },
		{ "_foo", "key_foo" },
		{ "__foo", "__foo" },
		{ ".x", "key_x" },
		{ "caf\xc3\xa9", "caf_" },
		{ "...", "" },
	};
	for (size_t i = 0; i < sizeof l / sizeof l[0]; i++) {
		char o[64];
		size_t n = prom_label_name((struct otlp_bytes){ (const uint8_t *)l[i].in, strlen(l[i].in) },
					   o, sizeof o);
		if (!n)
			o[0] = 0;
		ck_assert_msg(!strcmp(o, l[i].want), "%s: %s, want %s", l[i].in, o, l[i].want);
	}
}
END_TEST

START_TEST(floats)
{
	static const struct {
		double v;
		const char *g, *om;
	} t[] = {
		{ 0, "0", "0.0" },
		{ 1, "1", "1.0" },
		{ 2.5, "2.5", "2.5" },
		{ 123456, "123456", "123456.0" },
		{ 1234567, "1.234567e+06", "1.234567e+06" },
		{ 1e6, "1e+06", "1e+06" },
		{ 0.0001, "0.0001", "0.0001" },
		{ 0.00001, "1e-05", "1e-05" },
		{ -3, "-3", "-3.0" },
		{ 0.1, "0.1", "0.1" },
		{ 15000, "15000", "15000.0" },
		{ 1.0 / 0.0, "+Inf", "+Inf" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char b[64];
		prom_fmt_g(b, t[i].v);
		ck_assert_msg(!strcmp(b, t[i].g), "g(%g) = %s, want %s", t[i].v, b, t[i].g);
		prom_fmt_om(b, t[i].v);
		ck_assert_msg(!strcmp(b, t[i].om), "om(%g) = %s, want %s", t[i].v, b, t[i].om);
	}
}
END_TEST

/* Double attribute values become label text in Go's 'f' form, every
 * digit written: 1e60 is 61 characters and the smallest subnormal 327
 * (found by fuzz_prom_store: the text was built in a 64-byte buffer and
 * overran it past about 1e63). A value longer than the room is cut. */
START_TEST(double_label_values)
{
	char b[400], want[400];
	struct otlp_value v = { .type = OTLP_VALUE_DOUBLE };
	v.u.d = 1.5;
	ck_assert_uint_eq(prom_value_text(&v, b, sizeof b, 0), 3);
	ck_assert_str_eq(b, "1.5");
	v.u.d = 1e60;
	memset(want, '0', 61);
	want[0] = '1';
	want[61] = 0;
	ck_assert_uint_eq(prom_value_text(&v, b, sizeof b, 0), 61);
	ck_assert_str_eq(b, want);
	v.u.d = -4.9406564584124654e-324;
	want[0] = '-';
	want[1] = '0';
	want[2] = '.';
	memset(want + 3, '0', 323);
	memcpy(want + 326, "5", 2);
	ck_assert_uint_eq(prom_value_text(&v, b, sizeof b, 0), 327);
	ck_assert_str_eq(b, want);
	v.u.d = 1.7976931348623157e308;
	memset(b, 'x', sizeof b);
	ck_assert_uint_eq(prom_value_text(&v, b, 128, 0), 127);
	ck_assert_int_eq(memcmp(b, "17976931348623157000", 20), 0);
	ck_assert_int_eq(b[127], 0);
	ck_assert_int_eq(b[128], 'x');
}
END_TEST

START_TEST(accept)
{
	ck_assert_int_eq(prom_format_for(NULL), PROM_TEXT);
	ck_assert_int_eq(prom_format_for("text/plain"), PROM_TEXT);
	ck_assert_int_eq(prom_format_for("application/openmetrics-text;version=1.0.0,application/"
					 "openmetrics-text;version=0.0.1;q=0.75,text/plain;version="
					 "0.0.4;q=0.5,*/*;q=0.1"),
			 PROM_OPENMETRICS);
	ck_assert_int_eq(prom_format_for("application/openmetrics-text;q=0,text/plain"), PROM_TEXT);
	ck_assert_str_eq(prom_content_type(PROM_TEXT), "text/plain; version=0.0.4; charset=utf-8");
}
END_TEST

/* One 3 ms span with ids through the aggregation into a new store. */
static struct prom_store *one_span_store(enum agg_hist hist)
{
	static const double ms[] = { 2, 4, 10 };
	static const uint8_t tid[16] = { 0xab, 0xcd }, sid[8] = { 0xef };
	static uint8_t out[65536];
	struct agg_params p;
	memset(&p, 0, sizeof p);
	p.bounds = ms;
	p.n_bounds = 3;
	p.hist = hist;
	p.exemplars = true;
	p.max_series = 4;
	p.max_resources = 2;
	size_t size = agg_region_size(&p), len;
	void *region = at_region(size);
	struct agg *a;
	ck_assert_int_eq(agg_format(region, size, &p, 1), 0);
	ck_assert_int_eq(agg_attach(&a, region, size, &p), 0);
	uint8_t res[64];
	size_t rl = at_resource(res, "service.name", "s", NULL);
	ck_assert_int_eq(agg_begin(a, 0, 1, SEC), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ res, rl }), 0);
	struct agg_span sp = at_span("op", 2, 0, 0, 3 * MS);
	sp.trace_id = (struct otlp_bytes){ tid, 16 };
	sp.span_id = (struct otlp_bytes){ sid, 8 };
	ck_assert_int_eq(agg_add(a, &sp), 0);
	ck_assert_int_eq(agg_commit(a), 0);
	ck_assert_int_gt(agg_flush(a, 20 * SEC, out, sizeof out, &len), 0);
	agg_detach(a);
	munmap(region, size);
	struct prom_config c = { 0 };
	struct prom_store *st;
	ck_assert_int_eq(prom_store_new(&st, &c), 0);
	ck_assert_int_eq(prom_store_add_request(st, out, len, 20 * SEC), 2);
	return st;
}

#define S                                                                         \
	"{job=\"s\",otel_scope_name=\"spanmetricsconnector\",service_name=\"s\"," \
	"span_kind=\"SPAN_KIND_SERVER\",span_name=\"op\",status_code=\"STATUS_CODE_UNSET\""
#define EX " # {trace_id=\"abcd0000000000000000000000000000\",span_id=\"ef00000000000000\"} 3.0 20.0\n"

START_TEST(openmetrics_exemplars)
{
	struct prom_store *s = one_span_store(AGG_HIST_EXPLICIT);
	const char *om = render(s, PROM_OPENMETRICS, 30 * SEC);
	ck_assert_ptr_nonnull(strstr(om, "traces_span_metrics_calls_total" S "} 1.0" EX));
	ck_assert_ptr_nonnull(strstr(om, D "_bucket" S ",le=\"2.0\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(om, D "_bucket" S ",le=\"4.0\"} 1" EX));
	/* the text format has no exemplars */
	ck_assert_ptr_null(strstr(render(s, PROM_TEXT, 30 * SEC), "trace_id"));
	prom_store_free(s);
}
END_TEST

START_TEST(exponential_as_inf_bucket)
{
	struct prom_store *s = one_span_store(AGG_HIST_EXPONENTIAL);
	const char *t = render(s, PROM_TEXT, 30 * SEC);
	ck_assert_ptr_nonnull(strstr(t, "# TYPE " D " histogram\n" D "_bucket" S ",le=\"+Inf\"} 1\n" D
					"_sum" S "} 3\n" D "_count" S "} 1\n"));
	prom_store_free(s);
}
END_TEST

START_TEST(summary_and_gauge)
{
	struct prom_config c = { 0 };
	struct prom_store *s;
	uint8_t buf[1024];
	struct pb_w w;
	ck_assert_int_eq(prom_store_new(&s, &c), 0);
	pb_init(&w, buf, sizeof buf);
	size_t rm = pb_open(&w, 1), sm = pb_open(&w, 2);
	size_t m = pb_open(&w, 2);
	pb_str(&w, 1, "rpc.latency");
	pb_str(&w, 3, "s");
	size_t sum = pb_open(&w, 11), dp = pb_open(&w, 1);
	pb_fixed64(&w, 3, 5);
	pb_fixed64(&w, 4, 10);
	pb_double(&w, 5, 2.5);
	double q[][2] = { { 0.5, 0.2 }, { 0.99, 0.9 } };
	for (int i = 0; i < 2; i++) {
		size_t qv = pb_open(&w, 6);
		pb_double(&w, 1, q[i][0]);
		pb_double(&w, 2, q[i][1]);
		pb_close(&w, qv);
	}
	pb_close(&w, dp);
	pb_close(&w, sum);
	pb_close(&w, m);
	m = pb_open(&w, 2); /* a gauge: a later point replaces it */
	pb_str(&w, 1, "queue.depth");
	size_t g = pb_open(&w, 5);
	dp = pb_open(&w, 1);
	pb_fixed64(&w, 3, 5);
	pb_double(&w, 4, 1234567.0);
	pb_close(&w, dp);
	pb_close(&w, g);
	pb_close(&w, m);
	pb_close(&w, sm);
	pb_close(&w, rm);
	ck_assert_int_eq(prom_store_add_request(s, buf, w.pos, 1), 2);
	const char *t = render(s, PROM_TEXT, 2);
	ck_assert_str_eq(t, "# HELP queue_depth queue.depth\n"
			    "# TYPE queue_depth gauge\n"
			    "queue_depth 1.234567e+06\n"
			    "# HELP rpc_latency_seconds rpc.latency\n"
			    "# TYPE rpc_latency_seconds summary\n"
			    "rpc_latency_seconds{quantile=\"0.5\"} 0.2\n"
			    "rpc_latency_seconds{quantile=\"0.99\"} 0.9\n"
			    "rpc_latency_seconds_sum 2.5\n"
			    "rpc_latency_seconds_count 10\n");
	prom_store_free(s);
}
END_TEST

START_TEST(damaged_input)
{
	struct prom_config c = { 0 };
	struct prom_store *s;
	ck_assert_int_eq(prom_store_new(&s, &c), 0);
	static const uint8_t junk[] = { 0x0a, 0x05, 0x12, 0x03, 0x12, 0xff, 0xff };
	ck_assert_int_eq(prom_store_add_request(s, junk, sizeof junk, 1), -EBADMSG);
	ck_assert_str_eq(render(s, PROM_TEXT, 2), "");
	prom_store_free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("prom");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, exact_text);
	tcase_add_test(tc, delta_accumulates);
	tcase_add_test(tc, delta_histogram_without_buckets);
	tcase_add_test(tc, sums_and_labels);
	tcase_add_test(tc, metric_names);
	tcase_add_test(tc, floats);
	tcase_add_test(tc, double_label_values);
	tcase_add_test(tc, accept);
	tcase_add_test(tc, openmetrics_exemplars);
	tcase_add_test(tc, exponential_as_inf_bucket);
	tcase_add_test(tc, summary_and_gauge);
	tcase_add_test(tc, damaged_input);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
