/* The plan (config/plan.h) for the shapes users build: one pipeline,
 * fan-out of one receiver to two pipelines, two receivers merged, routing
 * to three pipelines, spanmetrics from traces to metrics, forward. Ring
 * lists, sources, the ingest table, the stage graph, stats slots and the
 * fingerprint are what every stage process relies on. */
#include <stdio.h>

#include "config/plan.h"
#include "tests/config/cfgtest.h"
#include "tests/check_run.h"

static const struct plan_ring *ring(const struct sluice_config *c, const char *name)
{
	int i = plan_ring_find(c->plan, name);

	ck_assert_msg(i >= 0, "no ring %s", name);
	return &c->plan->rings[i];
}

static void assert_source(const struct plan_ring *r, uint32_t slot, enum plan_source_kind kind,
			  uint32_t index)
{
	ck_assert_uint_gt(r->n_sources, slot);
	ck_assert_int_eq(r->sources[slot].kind, kind);
	ck_assert_uint_eq(r->sources[slot].index, index);
}

START_TEST(single_pipeline)
{
	/* one pipeline given with the defaults' components (an empty file
	 * makes one for each signal: default_pipelines) */
	struct sluice_config *c = load_ok("service: {pipelines: {traces: {}}}\n");
	const struct sluice_plan *p = c->plan;
	char labels[200];

	ck_assert_uint_eq(p->n_rings, 3);
	ck_assert_uint_eq(p->n_in, 1);
	ck_assert_uint_eq(p->n_mid, 1);
	ck_assert_uint_eq(p->n_out, 1);
	/* the same indexes as the fixed three rings before */
	ck_assert_str_eq(p->rings[0].name, "in:traces");
	ck_assert_str_eq(p->rings[1].name, "mid:traces");
	ck_assert_str_eq(p->rings[2].name, "out:traces");
	ck_assert_int_eq(p->rings[0].kind, PLAN_RING_IN);
	ck_assert_int_eq(p->rings[1].kind, PLAN_RING_MID);
	ck_assert_int_eq(p->rings[2].kind, PLAN_RING_OUT);
	ck_assert_uint_eq(p->rings[0].capacity, 64 * MIB);
	ck_assert_uint_eq(p->rings[0].pipelines, 1);
	ck_assert_int_eq(p->rings[0].pipeline, -1);
	ck_assert_int_eq(p->rings[1].pipeline, 0);
	ck_assert_uint_eq(p->rings[0].n_sources, 0);
	ck_assert_uint_eq(p->rings[1].n_sources, 1);
	assert_source(&p->rings[1], 0, PLAN_SOURCE_RING, 0);
	assert_source(&p->rings[2], 0, PLAN_SOURCE_RING, 1);
	ck_assert_int_eq(plan_ingest_ring(p, 0, SLUICE_SIGNAL_TRACES), 0);
	ck_assert_int_eq(plan_ingest_ring(p, 0, SLUICE_SIGNAL_LOGS), -1);
	ck_assert_int_eq(plan_ingest_ring(p, 0, SLUICE_SIGNAL_METRICS), -1);
	ck_assert_int_eq(plan_ingest_ring(p, 7, SLUICE_SIGNAL_TRACES), -1);
	ck_assert_int_eq(p->pipelines[0].mid_ring, 1);
	ck_assert_int_eq(p->pipelines[0].out_ring, 2);
	ck_assert_uint_eq(p->pipelines[0].in_rings, 1);
	ck_assert_uint_eq(p->pipelines[0].n_edges, 0);
	/* stats: otlp grpc and http for traces, the batch processor, debug */
	ck_assert_uint_eq(p->n_stats, 4);
	int g = plan_receiver_stat(p, 0, PLAN_TRANSPORT_GRPC, SLUICE_SIGNAL_TRACES);
	int h = plan_receiver_stat(p, 0, PLAN_TRANSPORT_HTTP, SLUICE_SIGNAL_TRACES);
	ck_assert_int_ge(g, 0);
	ck_assert_int_ge(h, 0);
	ck_assert_int_eq(plan_receiver_stat(p, 0, PLAN_TRANSPORT_HTTP, SLUICE_SIGNAL_LOGS), -1);
	plan_stat_labels(&p->stats[g], labels, sizeof(labels));
	ck_assert_str_eq(labels, "receiver=\"otlp\",transport=\"grpc\"");
	plan_stat_labels(&p->stats[p->pipelines[0].processor_stats[0]], labels, sizeof(labels));
	ck_assert_str_eq(labels, "processor=\"batch\",pipeline=\"traces\"");
	plan_stat_labels(&p->stats[p->pipelines[0].exporter_stats[0]], labels, sizeof(labels));
	ck_assert_str_eq(labels, "exporter=\"debug\",pipeline=\"traces\"");
	config_free(c);
}
END_TEST

/* No service.pipelines: a pipeline for each signal every defined receiver
 * and exporter serves, each with every receiver and exporter and the batch
 * processor. */
START_TEST(default_pipelines)
{
	struct sluice_config *c = load_ok("");
	struct sluice_config *prom = load_ok("exporters: {prometheus: {endpoint: \"127.0.0.1:1\"}}\n");
	struct sluice_config *http =
		load_ok("exporters: {otlphttp: {traces_endpoint: \"http://127.0.0.1:1/v1/traces\"}}\n");
	static const char *const ids[] = { "traces", "logs", "metrics" };

	ck_assert_uint_eq(c->n_pipelines, 3);
	ck_assert_uint_eq(c->plan->n_rings, 9);
	for (size_t i = 0; i < 3; i++) {
		const struct sluice_pipeline *pl = &c->pipelines[i];

		ck_assert_str_eq(pl->id, ids[i]);
		ck_assert_int_eq(pl->signal, (int)i);
		ck_assert_uint_eq(pl->n_receivers, 1);
		ck_assert_str_eq(pl->receivers[0]->id, "otlp");
		ck_assert_uint_eq(pl->n_exporters, 1);
		ck_assert_str_eq(pl->exporters[0]->id, "debug");
		ck_assert_ptr_nonnull(pl->batch_processor);
	}
	ck_assert_uint_eq(prom->n_pipelines, 1);
	ck_assert_str_eq(prom->pipelines[0].id, "metrics");
	ck_assert_uint_eq(http->n_pipelines, 1);
	ck_assert_str_eq(http->pipelines[0].id, "traces");
	config_free(c);
	config_free(prom);
	config_free(http);
}
END_TEST

START_TEST(fingerprint_follows_the_ring_list)
{
	struct sluice_config *a = load_ok(""), *b = load_ok("sluice: {instance: other}\n"),
			     *c = load_ok("sluice: {rings: {process_batch: 128MiB}}\n"),
			     *d = load_ok("service: {pipelines: {traces/x: {}}}\n");

	ck_assert_uint_eq(a->plan->fingerprint, b->plan->fingerprint); /* rings unchanged */
	ck_assert_uint_ne(a->plan->fingerprint, c->plan->fingerprint); /* a capacity */
	ck_assert_uint_ne(a->plan->fingerprint, d->plan->fingerprint); /* ring names */
	ck_assert_str_eq(c->plan->rings[3].name, "mid:traces");
	ck_assert_uint_eq(c->plan->rings[3].capacity, 128 * MIB);
	config_free(a);
	config_free(b);
	config_free(c);
	config_free(d);
}
END_TEST

START_TEST(fan_out_one_receiver_two_pipelines)
{
	struct sluice_config *c = load_ok("receivers: {otlp: {}}\n"
					  "exporters: {debug: {}, debug/2: {}}\n"
					  "service:\n"
					  "  pipelines:\n"
					  "    traces: {receivers: [otlp], exporters: [debug]}\n"
					  "    traces/b: {receivers: [otlp], exporters: [debug/2]}\n");
	const struct sluice_plan *p = c->plan;

	ck_assert_uint_eq(c->n_pipelines, 2);
	ck_assert_uint_eq(p->n_in, 1); /* one write a request, into one ring */
	ck_assert_str_eq(p->rings[0].name, "in:traces+traces/b");
	ck_assert_uint_eq(p->rings[0].pipelines, 3);
	ck_assert_uint_eq(p->n_rings, 5);
	assert_source(ring(c, "mid:traces"), 0, PLAN_SOURCE_RING, 0);
	assert_source(ring(c, "mid:traces/b"), 0, PLAN_SOURCE_RING, 0);
	assert_source(ring(c, "out:traces/b"), 0, PLAN_SOURCE_RING,
		      (uint32_t)plan_ring_find(p, "mid:traces/b"));
	ck_assert_int_eq(plan_ingest_ring(p, 0, SLUICE_SIGNAL_TRACES), 0);
	/* ring order: IN, then MID in pipeline order, then OUT */
	ck_assert_str_eq(p->rings[1].name, "mid:traces");
	ck_assert_str_eq(p->rings[2].name, "mid:traces/b");
	ck_assert_str_eq(p->rings[3].name, "out:traces");
	ck_assert_str_eq(p->rings[4].name, "out:traces/b");
	config_free(c);
}
END_TEST

START_TEST(two_receivers_one_pipeline)
{
	struct sluice_config *c = load_ok("receivers:\n"
					  "  otlp: {}\n"
					  "  otlp/b: {protocols: {http: {endpoint: ':0'}}}\n"
					  "  otlp/c: {protocols: {http: {endpoint: ':0'}}}\n"
					  "exporters: {debug: {}}\n"
					  "service:\n"
					  "  pipelines:\n"
					  "    logs: {receivers: [otlp, otlp/b], exporters: [debug]}\n"
					  "    logs/c: {receivers: [otlp/c, otlp/b], exporters: [debug]}\n");
	const struct sluice_plan *p = c->plan;

	/* otlp feeds {logs}, otlp/b {logs, logs/c}, otlp/c {logs/c} */
	ck_assert_uint_eq(p->n_in, 3);
	ck_assert_int_eq(plan_ingest_ring(p, 0, SLUICE_SIGNAL_LOGS), plan_ring_find(p, "in:logs"));
	ck_assert_int_eq(plan_ingest_ring(p, 1, SLUICE_SIGNAL_LOGS), plan_ring_find(p, "in:logs+logs/c"));
	ck_assert_int_eq(plan_ingest_ring(p, 2, SLUICE_SIGNAL_LOGS), plan_ring_find(p, "in:logs/c"));
	ck_assert_int_eq(plan_ingest_ring(p, 0, SLUICE_SIGNAL_TRACES), -1);
	const struct plan_ring *mid = ring(c, "mid:logs");
	ck_assert_uint_eq(mid->n_sources, 2);
	ck_assert_int_eq(mid->signal, SLUICE_SIGNAL_LOGS);
	ck_assert_uint_eq(ring(c, "mid:logs/c")->n_sources, 2);
	/* otlp/b serves http only: no grpc slot */
	ck_assert_int_eq(plan_receiver_stat(p, 1, PLAN_TRANSPORT_GRPC, SLUICE_SIGNAL_LOGS), -1);
	ck_assert_int_ge(plan_receiver_stat(p, 1, PLAN_TRANSPORT_HTTP, SLUICE_SIGNAL_LOGS), 0);
	config_free(c);

	/* the same two receivers into one pipeline share its one IN ring */
	c = load_ok("receivers: {otlp: {}, otlp/b: {protocols: {http: {endpoint: ':0'}}}}\n"
		    "service: {pipelines: {traces: {receivers: [otlp, otlp/b]}}}\n");
	ck_assert_uint_eq(c->plan->n_in, 1);
	ck_assert_int_eq(plan_ingest_ring(c->plan, 1, SLUICE_SIGNAL_TRACES), 0);
	config_free(c);
}
END_TEST

START_TEST(routing_to_three_pipelines)
{
	struct sluice_config *c = load_ok(
		"receivers: {otlp: {}}\n"
		"exporters: {debug/a: {}, debug/b: {}, debug/c: {}}\n"
		"connectors:\n"
		"  routing:\n"
		"    default_pipelines: [traces/c]\n"
		"    table:\n"
		"      - {condition: 'attributes[\"team\"] == \"a\"', pipelines: [traces/a]}\n"
		"      - {statement: 'route() where attributes[\"team\"] == \"b\"', pipelines: [traces/b, traces/c]}\n"
		"service:\n"
		"  pipelines:\n"
		"    traces/in: {receivers: [otlp], exporters: [routing]}\n"
		"    traces/a: {receivers: [routing], exporters: [debug/a]}\n"
		"    traces/b: {receivers: [routing], exporters: [debug/b]}\n"
		"    traces/c: {receivers: [routing], exporters: [debug/c]}\n");
	const struct sluice_plan *p = c->plan;
	const struct sluice_routing *r = &c->connectors[0].routing;

	ck_assert_uint_eq(p->n_rings, 7); /* traces/in has no exporter: no MID/OUT */
	ck_assert_str_eq(p->rings[0].name, "in:traces/in");
	ck_assert_int_eq(p->pipelines[0].mid_ring, -1);
	ck_assert_int_eq(p->pipelines[0].out_ring, -1);
	ck_assert_uint_eq(p->pipelines[0].n_edges, 1);
	ck_assert_uint_eq(p->pipelines[0].edges[0].connector, 0);
	ck_assert_uint_eq(p->pipelines[0].edges[0].targets, 0xe);
	ck_assert_uint_eq(p->connectors[0].from, 1);
	ck_assert_uint_eq(p->connectors[0].to, 0xe);
	for (int i = 1; i <= 3; i++) {
		const struct plan_ring *mid = &p->rings[p->pipelines[i].mid_ring];
		ck_assert_uint_eq(mid->n_sources, 1);
		assert_source(mid, 0, PLAN_SOURCE_RING, 0);
		ck_assert_uint_eq(p->pipelines[i].in_rings, 0); /* reached through the router only */
	}
	/* the table, resolved */
	ck_assert_uint_eq(r->n_table, 2);
	ck_assert_str_eq(r->table[0].condition.text, "attributes[\"team\"] == \"a\"");
	ck_assert_int_eq(r->table[0].condition.context, SLUICE_OTTL_RESOURCE);
	ck_assert(!r->table[0].is_statement);
	ck_assert_uint_eq(r->table[0].n_pipelines, 1);
	ck_assert_ptr_eq(r->table[0].pipelines[0], &c->pipelines[1]);
	ck_assert(r->table[1].is_statement);
	ck_assert_str_eq(r->table[1].condition.text, "attributes[\"team\"] == \"b\"");
	ck_assert_uint_eq(r->table[1].n_pipelines, 2);
	ck_assert_uint_eq(r->n_default, 1);
	ck_assert_ptr_eq(r->default_pipelines[0], &c->pipelines[3]);
	/* a connector slot for (routing, traces/in) */
	char labels[100];
	plan_stat_labels(&p->stats[p->pipelines[0].edges[0].stat], labels, sizeof(labels));
	ck_assert_str_eq(labels, "connector=\"routing\",pipeline=\"traces/in\"");
	config_free(c);
}
END_TEST

START_TEST(spanmetrics_traces_to_metrics)
{
	struct sluice_config *c = load_ok(
		"receivers: {otlp: {}}\n"
		"exporters: {debug: {}, prometheus: {endpoint: '127.0.0.1:0'}}\n"
		"connectors: {spanmetrics: {}}\n"
		"processors: {batch: {}}\n"
		"service:\n"
		"  pipelines:\n"
		"    traces: {receivers: [otlp], processors: [batch], exporters: [spanmetrics, debug]}\n"
		"    metrics: {receivers: [spanmetrics], exporters: [prometheus]}\n");
	const struct sluice_plan *p = c->plan;
	const struct plan_ring *mid = ring(c, "mid:metrics");

	ck_assert_uint_eq(p->n_rings, 5);
	ck_assert_uint_eq(p->n_in, 1);
	ck_assert_int_eq(plan_ingest_ring(p, 0, SLUICE_SIGNAL_METRICS),
			 -1); /* no metrics pipeline lists otlp */
	ck_assert_uint_eq(mid->n_sources, 1);
	assert_source(mid, 0, PLAN_SOURCE_CONNECTOR, 0);
	ck_assert_int_eq(mid->signal, SLUICE_SIGNAL_METRICS);
	assert_source(ring(c, "mid:traces"), 0, PLAN_SOURCE_RING, 0);
	ck_assert_uint_eq(p->connectors[0].in_rings, 1);
	ck_assert_uint_eq(p->pipelines[0].edges[0].targets, 2);
	ck_assert_uint_eq(c->pipelines[0].n_exporters, 1);
	ck_assert_uint_eq(c->pipelines[0].n_to_connectors, 1);
	ck_assert_uint_eq(c->pipelines[1].n_receivers, 0);
	ck_assert_uint_eq(c->pipelines[1].n_from_connectors, 1);
	config_free(c);
}
END_TEST

START_TEST(forward_between_pipelines)
{
	struct sluice_config *c = load_ok(
		"receivers: {otlp: {}, otlp/b: {protocols: {grpc: {endpoint: ':0'}}}}\n"
		"exporters: {debug: {}, file: {path: /tmp/x}}\n"
		"connectors: {forward: {}}\n"
		"service:\n"
		"  pipelines:\n"
		"    logs: {receivers: [otlp], exporters: [debug, forward]}\n"
		"    logs/b: {receivers: [otlp/b], exporters: [forward]}\n"
		"    logs/all: {receivers: [forward], exporters: [file]}\n");
	const struct sluice_plan *p = c->plan;
	const struct plan_ring *all = ring(c, "mid:logs/all");
	char out[4096] = "";
	FILE *f = fmemopen(out, sizeof(out) - 1, "w");

	/* both IN rings reach logs/all through the connector */
	ck_assert_uint_eq(p->n_in, 2);
	ck_assert_uint_eq(all->n_sources, 2);
	assert_source(all, 0, PLAN_SOURCE_RING, 0);
	assert_source(all, 1, PLAN_SOURCE_RING, 1);
	ck_assert_int_eq(p->pipelines[1].mid_ring, -1);
	ck_assert_uint_eq(p->n_rings, 2 + 2 + 2);
	ck_assert_int_eq(plan_print(c, f), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(out, "#   ring 3 mid:logs/all (logs, 64MiB) <- in:logs, in:logs/b\n"));
	ck_assert_ptr_nonnull(strstr(out, "#   pipeline logs/b -> forward -> logs/all\n"));
	config_free(c);
}
END_TEST

START_TEST(compat_pipeline_is_the_first_traces_pipeline)
{
	struct sluice_config *c = load_ok("receivers: {otlp: {}}\n"
					  "exporters: {debug: {}, debug/t: {}}\n"
					  "service:\n"
					  "  pipelines:\n"
					  "    logs: {receivers: [otlp], exporters: [debug]}\n"
					  "    traces/x: {receivers: [otlp], exporters: [debug/t]}\n");

	ck_assert_str_eq(c->pipeline.id, "traces/x");
	ck_assert_str_eq(c->pipeline.exporters[0]->id, "debug/t");
	config_free(c);
	c = load_ok("receivers: {otlp: {}}\nexporters: {debug: {}}\n"
		    "service: {pipelines: {logs: {receivers: [otlp], exporters: [debug]}}}\n");
	ck_assert_uint_eq(c->pipeline.n_exporters, 0); /* no traces pipeline */
	ck_assert_ptr_nonnull(c->pipeline.batch);
	ck_assert_uint_eq(c->pipeline.batch->send_batch_size, 1);
	config_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_plan");
	TCase *t = tcase_create("plan");

	tcase_add_test(t, single_pipeline);
	tcase_add_test(t, default_pipelines);
	tcase_add_test(t, fingerprint_follows_the_ring_list);
	tcase_add_test(t, fan_out_one_receiver_two_pipelines);
	tcase_add_test(t, two_receivers_one_pipeline);
	tcase_add_test(t, routing_to_three_pipelines);
	tcase_add_test(t, spanmetrics_traces_to_metrics);
	tcase_add_test(t, forward_between_pipelines);
	tcase_add_test(t, compat_pipeline_is_the_first_traces_pipeline);
	suite_add_tcase(s, t);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
