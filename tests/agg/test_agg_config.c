/* A spanmetrics connector's config as the aggregation's parameters: what
 * the supervisor sizes the region with and the process stage attaches with. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "agg/agg_config.h"
#include "tests/check_run.h"

static struct sluice_config *load(const char *yaml)
{
	struct sluice_config *c = NULL;
	struct config_error e;
	int rc = config_load_buffer("t.yaml", yaml, strlen(yaml), &c, &e);
	ck_assert_msg(rc == 0, "load: %s", e.msg);
	return c;
}

#define PIPES                                                                                 \
	"service:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [spanmetrics]}\n" \
	"    metrics: {receivers: [spanmetrics], exporters: [debug]}\n"                       \
	"receivers: {otlp: {}}\nexporters: {debug: {}}\n"

START_TEST(defaults_are_the_collectors)
{
	struct sluice_config *c = load("connectors: {spanmetrics: {}}\n" PIPES);
	struct agg_config ac;
	char err[256] = "";
	ck_assert_int_eq(agg_config_from(&c->connectors[0].spanmetrics, &ac, err, sizeof err), 0);
	ck_assert_int_eq(ac.params.hist, AGG_HIST_EXPLICIT);
	ck_assert_int_eq(ac.params.unit, AGG_UNIT_MS);
	ck_assert(!ac.params.delta);
	/* the Collector's default bucket list, 2 ms .. 15 s, in ms */
	ck_assert_uint_eq(ac.params.n_bounds, 16);
	ck_assert(ac.params.bounds[0] == 2.0 && ac.params.bounds[15] == 15000.0);
	ck_assert_uint_eq(ac.params.max_series, AGG_CONFIG_MAX_SERIES);
	ck_assert_uint_gt(agg_region_size(&ac.params), 0);
	char name[128];
	agg_config_region_name(&c->connectors[0], name, sizeof name);
	ck_assert_str_eq(name, "spanmetrics:spanmetrics");
	config_free(c);
}
END_TEST

START_TEST(settings_carry_over)
{
	struct sluice_config *c = load("connectors:\n  spanmetrics:\n"
				       "    histogram: {unit: s, explicit: {buckets: [5ms, 250ms, 1s]}}\n"
				       "    dimensions: [{name: http.method, default: GET}, {name: team}]\n"
				       "    exclude_dimensions: [status.code]\n"
				       "    aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA\n"
				       "    aggregation_cardinality_limit: 500\n"
				       "    exemplars: {enabled: true}\n" PIPES);
	struct agg_config ac;
	char err[256] = "";
	ck_assert_int_eq(agg_config_from(&c->connectors[0].spanmetrics, &ac, err, sizeof err), 0);
	ck_assert_int_eq(ac.params.unit, AGG_UNIT_S);
	ck_assert_uint_eq(ac.params.n_bounds, 3);
	ck_assert(ac.params.bounds[0] == 0.005 && ac.params.bounds[1] == 0.25 && ac.params.bounds[2] == 1.0);
	ck_assert_uint_eq(ac.params.n_dims, 2);
	ck_assert_str_eq(ac.params.dims[0].name, "http.method");
	ck_assert_str_eq(ac.params.dims[0].default_value, "GET");
	ck_assert_ptr_null(ac.params.dims[1].default_value);
	ck_assert_uint_eq(ac.params.exclude, AGG_EXCLUDE_STATUS_CODE);
	ck_assert(ac.params.delta);
	ck_assert_uint_eq(ac.params.cardinality_limit, 500);
	ck_assert(ac.params.exemplars);
	config_free(c);
}
END_TEST

START_TEST(what_it_cannot_do_is_refused_by_name)
{
	struct sluice_config *c =
		load("connectors:\n  spanmetrics:\n    calls_dimensions: [{name: x}]\n" PIPES);
	struct agg_config ac;
	char err[256] = "";
	ck_assert_int_eq(agg_config_from(&c->connectors[0].spanmetrics, &ac, err, sizeof err), -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(err, "calls_dimensions"));
	config_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("agg_config");
	TCase *t = tcase_create("map");
	tcase_add_test(t, defaults_are_the_collectors);
	tcase_add_test(t, settings_carry_over);
	tcase_add_test(t, what_it_cannot_do_is_refused_by_name);
	suite_add_tcase(s, t);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
