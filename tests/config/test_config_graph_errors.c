/* Pipelines and connectors that the loader refuses, with the exact
 * FILE:LINE:COL message a user reads: the Collector's pipeline rules, the
 * connector graph (sides, signal pairs, routing tables, loops) and the
 * plan's bounds. One line a case. */
#include "config/plan.h"
#include "tests/config/cfgtest.h"
#include "tests/check_run.h"

/* lines 1-2 of most cases */
#define R "receivers: {otlp: {}}\nexporters: {debug: {}}\n"

static const struct ecase cases[] = {
	/* pipeline ids */
	{ "unknown signal", "service: {pipelines: {spans: {}}}\n",
	  "1:23: service.pipelines: unknown signal \"spans\" in pipeline \"spans\" (expected traces, logs or metrics, optionally /name)" },
	{ "unknown signal with name", "service: {pipelines: {trace/a: {}}}\n",
	  "1:23: service.pipelines: unknown signal \"trace\" in pipeline \"trace/a\" (expected traces, logs or metrics, optionally /name)" },
	{ "profiles", "service: {pipelines: {profiles: {}}}\n",
	  "1:23: service.pipelines: not supported by sluice: profiles pipelines (\"profiles\")" },
	{ "empty pipeline name", "service: {pipelines: {logs/: {}}}\n",
	  "1:23: service.pipelines: pipeline \"logs/\" has an empty name after \"/\"" },
	{ "pipeline id too long",
	  "service: {pipelines: {traces/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: {}}}\n",
	  "1:23: service.pipelines: pipeline id \"traces/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" is longer than 59 characters" },
	{ "duplicate pipeline",
	  R
	  "service:\n  pipelines:\n    logs: {receivers: [otlp], exporters: [debug]}\n    logs: {receivers: [otlp], exporters: [debug]}\n",
	  "6:5: duplicate key \"logs\" in service.pipelines" },
	{ "unknown pipeline key", R "service: {pipelines: {logs: {receiver: [otlp]}}}\n",
	  "3:30: unknown key \"receiver\" in service.pipelines.logs (expected one of: receivers, processors, exporters)" },
	/* the Collector's rules once there are several pipelines */
	{ "receivers required",
	  R
	  "service:\n  pipelines:\n    traces: {exporters: [debug]}\n    logs: {receivers: [otlp], exporters: [debug]}\n",
	  "5:5: service.pipelines.traces: \"receivers\" is required (a pipeline needs at least one receiver)" },
	{ "exporters required",
	  R
	  "service:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [debug]}\n    logs: {receivers: [otlp]}\n",
	  "6:5: service.pipelines.logs: \"exporters\" is required (a pipeline needs at least one exporter)" },
	{ "empty receivers",
	  R
	  "service:\n  pipelines:\n    traces: {receivers: [], exporters: [debug]}\n    logs: {receivers: [otlp], exporters: [debug]}\n",
	  "5:25: service.pipelines.traces.receivers: expected at least one receiver" },
	{ "receiver listed twice",
	  R "service: {pipelines: {logs: {receivers: [otlp, otlp], exporters: [debug]}}}\n",
	  "3:48: service.pipelines.logs.receivers: receiver \"otlp\" is listed twice" },
	{ "undefined exporter, connectors defined",
	  R
	  "connectors: {forward: {}}\nservice: {pipelines: {logs: {receivers: [otlp], exporters: [nope]}}}\n",
	  "4:61: service.pipelines.logs.exporters: exporter \"nope\" is not defined under exporters or connectors (defined: debug; connectors: forward)" },
	{ "processor for the wrong signal",
	  R
	  "processors: {span: {name: {from_attributes: [a]}}}\nservice: {pipelines: {logs: {receivers: [otlp], processors: [span], exporters: [debug]}}}\n",
	  "4:62: service.pipelines.logs.processors[0]: processor \"span\" cannot process logs (span handles traces)" },
	{ "sampler in metrics",
	  R
	  "processors: {probabilistic_sampler: {}}\nservice: {pipelines: {metrics: {receivers: [otlp], processors: [probabilistic_sampler], exporters: [debug]}}}\n",
	  "4:65: service.pipelines.metrics.processors[0]: processor \"probabilistic_sampler\" cannot process metrics (probabilistic_sampler handles traces, logs)" },
	{ "attributes include in logs",
	  R
	  "processors: {attributes: {actions: [{key: a, action: delete}], include: {services: [x]}}}\nservice: {pipelines: {logs: {receivers: [otlp], processors: [attributes], exporters: [debug]}}}\n",
	  "4:62: service.pipelines.logs.processors[0]: processor \"attributes\" has include/exclude, which match spans: it cannot process logs" },
	{ "prometheus in traces",
	  "exporters: {prometheus: {endpoint: 'h:9'}}\nservice: {pipelines: {traces: {exporters: [prometheus]}}}\n",
	  "2:44: service.pipelines.traces.exporters[0]: exporter \"prometheus\" cannot take traces (prometheus takes metrics)" },
	{ "spanmetrics from logs",
	  R
	  "connectors: {spanmetrics: {}}\nservice:\n  pipelines:\n    logs: {receivers: [otlp], exporters: [spanmetrics]}\n    metrics: {receivers: [spanmetrics], exporters: [debug]}\n",
	  "6:43: service.pipelines.logs.exporters[0]: connector \"spanmetrics\" cannot take logs (spanmetrics takes traces)" },
	{ "no URL for the signal",
	  "exporters: {otlphttp: {traces_endpoint: 'http://h/t'}}\nreceivers: {otlp: {}}\nservice: {pipelines: {logs: {receivers: [otlp], exporters: [otlphttp]}}}\n",
	  "3:61: service.pipelines.logs.exporters[0]: exporter \"otlphttp\" has no URL for logs (set endpoint or logs_endpoint)" },
	/* connectors: both sides, signal pairs, loops */
	{ "connector only exported to",
	  R
	  "connectors: {forward: {}}\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [forward]}}}\n",
	  "4:63: service.pipelines.traces: connector \"forward\" is used as an exporter here but no pipeline lists it as a receiver" },
	{ "connector only received from",
	  R
	  "connectors: {forward: {}}\nservice: {pipelines: {traces: {receivers: [forward], exporters: [debug]}}}\n",
	  "4:44: service.pipelines.traces: connector \"forward\" is used as a receiver here but no pipeline lists it as an exporter" },
	{ "forward across signals",
	  R
	  "connectors: {forward: {}}\nservice:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [forward]}\n    logs: {receivers: [forward], exporters: [debug]}\n",
	  "6:45: service.pipelines.traces: connector \"forward\" takes traces here, but no pipeline on its other side has a signal it can feed from that (forward: traces -> traces, logs -> logs, metrics -> metrics)" },
	{ "spanmetrics into traces",
	  R
	  "connectors: {spanmetrics: {}}\nservice:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [spanmetrics]}\n    traces/m: {receivers: [spanmetrics], exporters: [debug]}\n",
	  "6:45: service.pipelines.traces: connector \"spanmetrics\" takes traces here, but no pipeline on its other side has a signal it can feed from that (spanmetrics: traces -> metrics)" },
	{ "self loop",
	  R
	  "connectors: {forward: {}}\nservice:\n  pipelines:\n    traces: {receivers: [otlp, forward], exporters: [debug, forward]}\n",
	  "6:5: service.pipelines: connectors make a loop: traces -> forward -> traces" },
	{ "loop of two",
	  R
	  "connectors: {forward: {}, forward/2: {}, forward/back: {}}\nservice:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [forward]}\n    traces/a: {receivers: [forward, forward/back], exporters: [forward/2]}\n    traces/b: {receivers: [forward/2], exporters: [debug, forward/back]}\n",
	  "7:5: service.pipelines: connectors make a loop: traces/a -> forward/2 -> traces/b -> forward/back -> traces/a" },
	/* routing tables */
	{ "route to no pipeline",
	  R
	  "connectors: {routing: {table: [{condition: 'true', pipelines: [traces/x]}]}}\nservice:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [routing]}\n    traces/a: {receivers: [routing], exporters: [debug]}\n",
	  "3:64: connectors.routing.table[0].pipelines[0]: \"traces/x\" is not a pipeline under service.pipelines" },
	{ "route to a pipeline not receiving from it",
	  R
	  "connectors: {routing: {table: [{condition: 'true', pipelines: [traces/b]}]}}\nservice:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [routing]}\n    traces/a: {receivers: [routing], exporters: [debug]}\n    traces/b: {receivers: [otlp], exporters: [debug]}\n",
	  "3:64: connectors.routing.table[0].pipelines[0]: pipeline \"traces/b\" does not list \"routing\" as a receiver" },
	{ "default pipeline not receiving",
	  R
	  "connectors: {routing: {default_pipelines: [traces], table: [{condition: 'true', pipelines: [traces/a]}]}}\nservice:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [routing]}\n    traces/a: {receivers: [routing], exporters: [debug]}\n",
	  "3:44: connectors.routing.default_pipelines[0]: pipeline \"traces\" does not list \"routing\" as a receiver" },
	{ "span context on logs",
	  R
	  "connectors: {routing: {table: [{condition: 'name == \"x\"', context: span, pipelines: [logs/a]}]}}\nservice:\n  pipelines:\n    logs: {receivers: [otlp], exporters: [routing]}\n    logs/a: {receivers: [routing], exporters: [debug]}\n",
	  "3:32: connectors.routing.table[0]: context span needs traces, but pipeline \"logs\" sends logs to \"routing\"" },
};

START_TEST(error_message)
{
	check_error_case(&cases[_i]);
}
END_TEST

/* A pipeline fed from more than PLAN_MAX_SOURCES receiver sets: nine
 * receivers, each in a pipeline of its own, all forwarded into one. */
START_TEST(too_many_sources)
{
	char yaml[4096];
	size_t n = 0;
	struct sluice_config *cfg;
	struct config_error err;

	n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "receivers:\n");
	for (int i = 0; i < 9; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n,
				      "  otlp/%d: {protocols: {http: {endpoint: ':0'}}}\n", i);
	n += (size_t)snprintf(yaml + n, sizeof(yaml) - n,
			      "exporters: {debug: {}}\nconnectors: {forward: {}}\nservice:\n  pipelines:\n"
			      "    traces/sink: {receivers: [forward], exporters: [debug]}\n");
	for (int i = 0; i < 9; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n,
				      "    traces/%d: {receivers: [otlp/%d], exporters: [forward]}\n", i, i);
	ck_assert_int_eq(config_load_buffer("t.yaml", yaml, n, &cfg, &err), -EINVAL);
	ck_assert_str_eq(
		err.msg,
		"t.yaml:15:5: service.pipelines.traces/sink: records reach this pipeline from more than 8 sources (receiver sets and span-metrics connectors); at most 8 can feed one pipeline");

	/* eight are fine */
	char *cut = strstr(yaml, "    traces/8:");
	ck_assert_ptr_nonnull(cut);
	*cut = '\0';
	cfg = load_ok(yaml);
	ck_assert_uint_eq(cfg->plan->rings[cfg->plan->pipelines[0].mid_ring].n_sources, 8);
	config_free(cfg);
}
END_TEST

/* More than PLAN_MAX_RINGS rings: 33 pipelines with exporters need 66
 * MID and OUT rings. */
START_TEST(too_many_rings)
{
	char yaml[8192];
	size_t n = 0;
	struct sluice_config *cfg;
	struct config_error err;

	n += (size_t)snprintf(yaml + n, sizeof(yaml) - n,
			      "receivers: {otlp: {}}\nexporters: {debug: {}}\nservice:\n  pipelines:\n");
	for (int i = 0; i < 33; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n,
				      "    logs/%d: {receivers: [otlp], exporters: [debug]}\n", i);
	ck_assert_int_eq(config_load_buffer("t.yaml", yaml, n, &cfg, &err), -EINVAL);
	ck_assert_str_eq(
		err.msg,
		"t.yaml:35:5: service.pipelines: more than 64 rings needed (one IN ring per distinct set of pipelines a receiver feeds, a MID and an OUT ring per pipeline with exporters); use fewer pipelines");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_graph_errors");
	TCase *t = tcase_create("errors");

	tcase_add_loop_test(t, error_message, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(t, too_many_sources);
	tcase_add_test(t, too_many_rings);
	suite_add_tcase(s, t);
	/* pure table cases: one process, not a fork a case (under ASan a fork
	 * of this test costs ~0.2 s, hundreds of them near the timeout) */
	return check_run(s, CK_NOFORK) ? 1 : 0;
}
