/* `sluice check` on Collector configs as users write them
 * (tests/config/collector/): each loads once its certificate files exist
 * (created here; the file's paths are pointed at them), means what the
 * Collector means, and prints to a file that loads back the same. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/plan.h"
#include "tests/config/cfgtest.h"
#include "tests/check_run.h"

static char dir[64];

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_gt(getdelim(&buf, &cap, '\0', f), 0);
	fclose(f);
	return buf;
}

/* s with every `from` replaced by `to` (malloc'd). */
static char *replace(const char *s, const char *from, const char *to)
{
	size_t n = 0, fl = strlen(from), tl = strlen(to);
	char *out = malloc(strlen(s) * (tl > fl ? tl / fl + 2 : 1) + 1), *o = out;

	ck_assert_ptr_nonnull(out);
	for (const char *p = s; *p;) {
		if (!strncmp(p, from, fl)) {
			memcpy(o, to, tl);
			o += tl;
			p += fl;
			n++;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

static void write_pem(const char *name)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", f);
	fclose(f);
}

/* Loads tests/config/collector/<name> with its certificate paths under dir. */
static struct sluice_config *load_collector(const char *name)
{
	const char *src = getenv("SLUICE_SOURCE_DIR");
	char path[1024], tls[128];
	struct config_error err;
	struct sluice_config *c;

	ck_assert_ptr_nonnull(src);
	snprintf(path, sizeof(path), "%s/tests/config/collector/%s", src, name);
	char *text = slurp(path);
	snprintf(tls, sizeof(tls), "%s/", dir);
	char *a = replace(text, "/etc/sluice/tls/", tls);
	snprintf(tls, sizeof(tls), "%s/ca-certificates.crt", dir);
	char *b = replace(a, "/etc/ssl/certs/ca-certificates.crt", tls);
	ck_assert_msg(config_load_buffer(name, b, strlen(b), &c, &err) == 0, "%s", err.msg);
	free(text);
	free(a);
	free(b);
	return c;
}

static char *print(const struct sluice_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(config_print(c, f), 0);
	fclose(f);
	return buf;
}

static void round_trip(const struct sluice_config *c)
{
	char *p1 = print(c), *p2;
	struct sluice_config *again;
	struct config_error err;

	ck_assert_msg(config_load_buffer("p.yaml", p1, strlen(p1), &again, &err) == 0, "%s\n%s", err.msg, p1);
	p2 = print(again);
	ck_assert_str_eq(strchr(p1, '\n'), strchr(p2, '\n'));
	ck_assert_uint_eq(again->plan->fingerprint, c->plan->fingerprint);
	free(p1);
	free(p2);
	config_free(again);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sluice-cfg-coll-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_pem("ca.pem");
	write_pem("client.pem");
	write_pem("client.key");
	write_pem("ca-certificates.crt");
	setenv("BACKEND_API_KEY", "secret", 1);
}

static void teardown(void)
{
	static const char *const names[] = { "ca.pem", "client.pem", "client.key", "ca-certificates.crt" };
	char path[128];

	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	unsetenv("BACKEND_API_KEY");
}

START_TEST(agent_https)
{
	struct sluice_config *c = load_collector("agent-https.yaml");
	const struct sluice_otlp_exporter *o = &config_exporter(c, "otlp_http")->otlp;

	ck_assert_uint_eq(c->n_pipelines, 3);
	ck_assert_str_eq(o->urls[SLUICE_SIGNAL_TRACES].text, "https://otlp.backend.example:443/v1/traces");
	ck_assert_str_eq(o->urls[SLUICE_SIGNAL_LOGS].text, "https://otlp.backend.example:443/v1/logs");
	ck_assert_str_eq(o->urls[SLUICE_SIGNAL_METRICS].text, "https://otlp.backend.example:443/v1/metrics");
	ck_assert(o->tls.enabled);
	ck_assert_int_eq(o->tls.min_version, SLUICE_TLS_1_2);
	ck_assert_str_eq(o->headers[0].value, "secret");
	ck_assert_int_eq(o->compression, SLUICE_COMPRESSION_GZIP);
	ck_assert_uint_eq(o->retry_on_failure.max_elapsed_time_ns, 600 * S);
	ck_assert_uint_eq(o->sending_queue.num_consumers, 8);
	/* resource runs in all three pipelines, attributes/scrub in traces only */
	ck_assert_uint_eq(c->pipelines[0].n_processors, 2);
	ck_assert_uint_eq(c->pipelines[1].n_processors, 1);
	ck_assert_str_eq(c->pipelines[2].processors[0]->id, "resource");
	ck_assert_uint_eq(c->pipelines[2].batch->send_batch_size, 8192);
	ck_assert_uint_eq(c->pipelines[2].batch->timeout_ns, 1 * S);
	/* one receiver, three signals: three IN rings; a MID and OUT each */
	ck_assert_uint_eq(c->plan->n_rings, 9);
	ck_assert_int_eq(plan_ingest_ring(c->plan, 0, SLUICE_SIGNAL_LOGS),
			 plan_ring_find(c->plan, "in:logs"));
	round_trip(c);
	config_free(c);
}
END_TEST

START_TEST(red_metrics)
{
	struct sluice_config *c = load_collector("red-metrics.yaml");
	const struct sluice_spanmetrics *m = &config_connector(c, "spanmetrics")->spanmetrics;
	const struct sluice_otlp_exporter *g = &config_exporter(c, "otlp_grpc")->otlp;
	const struct sluice_prometheus_exporter *p = &config_exporter(c, "prometheus")->prometheus;

	ck_assert_uint_eq(m->n_buckets, 9);
	ck_assert_uint_eq(m->buckets_ns[0], 5 * MS);
	ck_assert_uint_eq(m->buckets_ns[8], 2500 * MS);
	ck_assert_uint_eq(m->n_dimensions, 2);
	ck_assert_str_eq(m->dimensions[1].name, "http.response.status_code");
	ck_assert(m->exemplars_enabled);
	ck_assert_uint_eq(m->aggregation_cardinality_limit, 5000);
	ck_assert_uint_eq(m->metrics_flush_interval_ns, 15 * S);
	ck_assert_str_eq(m->namespace_, "traces.span.metrics");
	/* mTLS to the gateway: TLS by default for gRPC */
	ck_assert(g->tls.enabled);
	ck_assert_ptr_nonnull(g->tls.cert_file);
	ck_assert_ptr_nonnull(g->tls.key_file);
	ck_assert_str_eq(p->namespace_, "apps");
	ck_assert(p->resource_to_telemetry);
	ck_assert_uint_eq(p->endpoint.port, 8889);
	/* the metrics pipeline is fed by the connector's flushes only */
	const struct plan_ring *mid = &c->plan->rings[plan_ring_find(c->plan, "mid:metrics")];
	ck_assert_uint_eq(mid->n_sources, 1);
	ck_assert_int_eq(mid->sources[0].kind, PLAN_SOURCE_CONNECTOR);
	round_trip(c);
	config_free(c);
}
END_TEST

START_TEST(route_by_team)
{
	struct sluice_config *c = load_collector("route-by-team.yaml");
	const struct sluice_routing *r = &config_connector(c, "routing")->routing;
	const struct sluice_filter *f = &config_processor(c, "filter/noise")->filter;

	ck_assert_uint_eq(c->n_pipelines, 5);
	ck_assert_uint_eq(r->n_table, 2);
	ck_assert_str_eq(
		r->table[1].condition.text,
		"attributes[\"service.name\"] == \"checkout\" or attributes[\"service.name\"] == \"cart\"");
	ck_assert_int_eq(r->table[1].condition.context, SLUICE_OTTL_RESOURCE);
	ck_assert_str_eq(r->table[0].pipelines[0]->id, "traces/payments");
	ck_assert_str_eq(r->default_pipelines[0]->id, "traces/shared");
	ck_assert_int_eq(f->error_mode, SLUICE_ERROR_MODE_IGNORE);
	ck_assert_uint_eq(f->span.n, 2);
	ck_assert_str_eq(f->log_record.items[0].text, "severity_number < SEVERITY_NUMBER_INFO");
	ck_assert_uint_eq(f->span.items[1].line, 13);
	ck_assert_uint_eq(f->span.items[1].col, 12);
	/* filter/noise serves a traces and a logs pipeline */
	ck_assert_ptr_eq(c->pipelines[0].processors[0], c->pipelines[4].processors[0]);
	ck_assert(config_exporter(c, "otlphttp/payments")->otlp.tls.enabled);
	ck_assert(!config_exporter(c, "otlphttp/shop")->otlp.tls.enabled);
	ck_assert(!config_exporter(c, "otlp/shared")->otlp.tls.enabled); /* insecure: true */
	ck_assert_uint_eq(c->plan->pipelines[0].edges[0].targets, 0xe);
	ck_assert_int_eq(c->plan->pipelines[0].mid_ring, -1);
	round_trip(c);
	config_free(c);
}
END_TEST

/* Without its certificate files the config is refused, naming the file. */
START_TEST(missing_certificate_is_named)
{
	const char *src = getenv("SLUICE_SOURCE_DIR");
	char path[1024];
	struct sluice_config *c;
	struct config_error err;

	ck_assert_ptr_nonnull(src);
	snprintf(path, sizeof(path), "%s/tests/config/collector/red-metrics.yaml", src);
	if (access("/etc/sluice/tls/ca.pem", F_OK) == 0)
		return; /* this host has the file: nothing to show */
	ck_assert_int_eq(config_load(path, &c, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(
		err.msg,
		"red-metrics.yaml:25:16: exporters.otlp_grpc.tls.ca_file: cannot read \"/etc/sluice/tls/ca.pem\": No such file or directory"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_collector");
	TCase *t = tcase_create("collector");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, agent_https);
	tcase_add_test(t, red_metrics);
	tcase_add_test(t, route_by_team);
	tcase_add_test(t, missing_certificate_is_named);
	suite_add_tcase(s, t);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
