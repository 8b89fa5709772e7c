/* The prometheus exporter: two metrics pipelines feed one exporter id (one
 * store); its /metrics, served from the export stage's loop, is
 *   - the Prometheus text format with the Collector's names (namespace,
 *     _total, const labels), and OpenMetrics when the scraper asks;
 *   - accepted by `promtool check metrics`;
 *   - scraped by a real Prometheus server (Debian's, started here on
 *     127.0.0.1 with a config written here), whose HTTP API then returns
 *     the values the test sent.
 * Other paths are 404, other methods 405. Needs curl, promtool and
 * prometheus; without them the test is skipped (exit 77). */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xt.h"
#include "tests/check_run.h"

static bool have(const char *tool)
{
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "command -v %s > /dev/null 2>&1", tool);
	return system(cmd) == 0;
}

/* GET with curl: the status, the Content-Type into ctype, the body (malloc'd). */
static char *http_get(struct xt_env *e, const char *url, const char *accept, const char *method, int *status,
		      char *ctype, size_t ctype_len)
{
	char out[300], meta[300], cmd[1500];
	snprintf(out, sizeof(out), "%s/curl.body", e->dir);
	snprintf(meta, sizeof(meta), "%s/curl.meta", e->dir);
	snprintf(cmd, sizeof(cmd),
		 "curl -s -m 10 -X %s %s%s%s -o '%s' -w '%%{http_code} %%{content_type}' '%s' > '%s'", method,
		 accept ? "-H 'Accept: " : "", accept ? accept : "", accept ? "'" : "", out, url, meta);
	*status = 0;
	if (system(cmd) != 0) /* not listening (yet): status 0 */
		return strdup("");
	size_t len;
	char *m = xt_slurp(meta, &len);
	ck_assert_ptr_nonnull(m);
	*status = atoi(m);
	const char *sp = strchr(m, ' ');
	snprintf(ctype, ctype_len, "%s", sp ? sp + 1 : "");
	free(m);
	char *b = xt_slurp(out, &len);
	return b ? b : strdup("");
}

/* One value of a Prometheus instant query (the first result), or -1. */
static double prom_query(struct xt_env *e, unsigned port, const char *query)
{
	char url[600], ctype[200];
	int status;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/api/v1/query?query=%s", port, query);
	char *b = http_get(e, url, NULL, "GET", &status, ctype, sizeof(ctype));
	double v = -1;
	const char *p = status == 200 ? strstr(b, "\"value\":[") : NULL;
	if (p && (p = strchr(p, ',')) && p[1] == '"')
		v = atof(p + 2);
	free(b);
	return v;
}

START_TEST(prometheus_scrapes_the_exporter)
{
	struct xt_env e;
	xt_init(&e, "prom");
	unsigned port = xt_free_port(), pport = xt_free_port();
	char yaml[2048];
	snprintf(yaml, sizeof(yaml),
		 "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: 127.0.0.1:0\n"
		 "exporters:\n  prometheus:\n    endpoint: 127.0.0.1:%u\n    namespace: xt\n"
		 "    const_labels:\n      env: test\n    enable_open_metrics: true\n"
		 "service:\n  pipelines:\n"
		 "    metrics:\n      receivers: [otlp]\n      exporters: [prometheus]\n"
		 "    metrics/b:\n      receivers: [otlp]\n      exporters: [prometheus]\n",
		 port);
	xt_plan(&e, yaml, 1u << 20);
	xt_export_exec(&e);
	int ra = xt_ring_index(&e, "out:metrics"), rb = xt_ring_index(&e, "out:metrics/b");
	/* requests: 4 series 10..13 (46); errors: 2 series 5, 6 (11) */
	struct xt_body a = xt_make_metrics_named(1, 4, "requests", 10);
	struct xt_body b = xt_make_metrics_named(2, 2, "errors", 5);
	ck_assert_int_eq(xt_publish_ring(&e, ra, &a, 5000, RECORD_SIGNAL_METRICS), 0);
	ck_assert_int_eq(xt_publish_ring(&e, rb, &b, 5000, RECORD_SIGNAL_METRICS), 0);
	ck_assert(xt_wait_ring_index_empty(&e, ra, 10000));
	ck_assert(xt_wait_ring_index_empty(&e, rb, 10000));
	ck_assert_uint_eq(seg_component_get(xt_exporter_slot(&e, "metrics", "prometheus"), SEG_C_SENT), 4);
	ck_assert_uint_eq(seg_component_get(xt_exporter_slot(&e, "metrics/b", "prometheus"), SEG_C_SENT), 2);

	char url[200], ctype[200];
	int status;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", port);
	char *t = http_get(&e, url, NULL, "GET", &status, ctype, sizeof(ctype));
	ck_assert_int_eq(status, 200);
	ck_assert_msg(!strncmp(ctype, "text/plain; version=0.0.4", 25), "content type %s", ctype);
	ck_assert_msg(strstr(t, "# TYPE xt_requests_total counter\n"), "%s", t);
	ck_assert_ptr_nonnull(strstr(t, "# TYPE xt_errors_total counter\n"));
	ck_assert_ptr_nonnull(strstr(t, "env=\"test\""));
	ck_assert_ptr_nonnull(strstr(t, "xt_id=\"1048577\"")); /* batch 1 << 20 | item 1 */
	free(t);
	/* OpenMetrics when asked (enable_open_metrics) */
	t = http_get(&e, url, "application/openmetrics-text;version=1.0.0", "GET", &status, ctype,
		     sizeof(ctype));
	ck_assert_int_eq(status, 200);
	ck_assert_msg(!strncmp(ctype, "application/openmetrics-text", 28), "content type %s", ctype);
	size_t tl = strlen(t);
	ck_assert(tl > 6 && !strcmp(t + tl - 6, "# EOF\n"));
	free(t);
	/* elsewhere: 404, 405 */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/other", port);
	free(http_get(&e, url, NULL, "GET", &status, ctype, sizeof(ctype)));
	ck_assert_int_eq(status, 404);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", port);
	free(http_get(&e, url, NULL, "POST", &status, ctype, sizeof(ctype)));
	ck_assert_int_eq(status, 405);

	/* promtool's lint */
	char cmd[700];
	snprintf(cmd, sizeof(cmd),
		 "curl -s -m 10 http://127.0.0.1:%u/metrics | promtool check metrics > '%s/promtool.out' 2>&1",
		 port, e.dir);
	int prc = system(cmd);
	snprintf(cmd, sizeof(cmd), "%s/promtool.out", e.dir);
	size_t len;
	t = xt_slurp(cmd, &len);
	ck_assert_msg(prc == 0, "promtool check metrics: %s", t ? t : "");
	free(t);

	/* a real Prometheus scrapes it every second */
	char cfg[300], out[300], tsdb[300], listen[64];
	snprintf(cfg, sizeof(cfg), "%s/prometheus.yml", e.dir);
	snprintf(out, sizeof(out), "%s/prometheus.log", e.dir);
	snprintf(tsdb, sizeof(tsdb), "%s/tsdb", e.dir);
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", pport);
	FILE *f = fopen(cfg, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
		"scrape_configs:\n  - job_name: sluice\n    static_configs:\n      - targets: ['127.0.0.1:%u']\n",
		port);
	fclose(f);
	char cf[340], sp[340], la[100];
	snprintf(cf, sizeof(cf), "--config.file=%s", cfg);
	snprintf(sp, sizeof(sp), "--storage.tsdb.path=%s", tsdb);
	snprintf(la, sizeof(la), "--web.listen-address=%s", listen);
	char *argv[] = { "/usr/bin/prometheus", cf, sp, la, "--log.level=warn", NULL };
	pid_t prom = xt_spawn(argv, out, out, NULL);
	double req = -1, err = -1;
	for (int i = 0; i < 300 && (req != 46 || err != 11); i++) { /* at most ~30 s */
		xt_msleep(100);
		req = prom_query(&e, pport, "sum(xt_requests_total)");
		err = prom_query(&e, pport, "sum(xt_errors_total%7Benv%3D%22test%22%7D)");
	}
	double series = prom_query(&e, pport, "count(xt_requests_total)");
	xt_stop(&prom, SIGTERM);
	ck_assert_msg(req == 46 && err == 11, "Prometheus saw requests %g (want 46), errors %g (want 11)",
		      req, err);
	ck_assert_msg(series == 4, "Prometheus saw %g requests series (want 4)", series);
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	xt_body_free(&a);
	xt_body_free(&b);
	xt_teardown(&e);
}
END_TEST

int main(void)
{
	if (!have("curl") || !have("promtool") || access("/usr/bin/prometheus", X_OK) != 0) {
		fprintf(stderr,
			"exporter_prom: needs curl, promtool and /usr/bin/prometheus (tools/deps.sh): skipped\n");
		return 77;
	}
	Suite *s = suite_create("exporter_prom");
	TCase *tc = tcase_create("prometheus");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, prometheus_scrapes_the_exporter);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
