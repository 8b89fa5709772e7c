/* tests/config/test_config_components.c: every option of every processor
 * and exporter type lands in struct sluice_config as written. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/config/cfgtest.h"
#include "tests/check_run.h"

START_TEST(processor_options)
{
	struct sluice_config *c = load_ok(
		"processors:\n"
		"  filter/errors:\n"
		"    spans:\n"
		"      include:\n"
		"        match_type: regexp\n"
		"        span_names: ['^GET /api/(?P<ver>v\\d+)/']\n"
		"        services: [checkout]\n"
		"        attributes:\n"
		"          - {key: http.status_code, value: '5..'}\n"
		"      exclude:\n"
		"        match_type: strict\n"
		"        span_kinds: [SPAN_KIND_INTERNAL, client]\n"
		"        status_codes: [STATUS_CODE_OK, unset]\n"
		"        min_duration: 1us\n"
		"        max_duration: 2ms\n"
		"        resources:\n"
		"          - {key: service.name, value: noisy}\n"
		"          - {key: env}\n"
		"  probabilistic_sampler:\n"
		"    sampling_percentage: 12.5\n"
		"    hash_seed: 22\n"
		"  attributes:\n"
		"    actions:\n"
		"      - {key: s, value: text, action: insert}\n"
		"      - {key: i, value: -42, action: update}\n"
		"      - {key: d, value: 2.5, action: upsert}\n"
		"      - {key: b, value: false, action: upsert}\n"
		"      - {key: q, value: \"7\", action: upsert}\n"
		"      - {key: c, from_attribute: s, action: insert}\n"
		"      - {key: gone, action: delete}\n"
		"      - {pattern: '^tmp\\.', action: delete}\n"
		"      - {key: user, action: hash}\n"
		"      - {key: url, pattern: '^/(?P<a>\\w+)/(x)(?P<b>.*)$', action: extract}\n"
		"    include: {match_type: prefix, span_names: [db.]}\n"
		"  resource:\n"
		"    attributes:\n"
		"      - {key: host, value: h1, action: upsert}\n"
		"  span:\n"
		"    name:\n"
		"      from_attributes: [db.system, db.op]\n"
		"      separator: '::'\n"
		"      to_attributes:\n"
		"        rules: ['^/doc/(?P<id>.*)$']\n"
		"        break_after_match: true\n"
		"  batch/big:\n"
		"    send_batch_size: 100\n"
		"    send_batch_max_size: 200\n"
		"    send_batch_max_bytes: 1MiB\n"
		"    timeout: 1s\n"
		"service:\n"
		"  pipelines:\n"
		"    traces:\n"
		"      processors: [filter/errors, probabilistic_sampler, attributes, resource, span, batch/big]\n");
	const struct sluice_pipeline *pl = &c->pipeline;

	ck_assert_uint_eq(pl->n_processors, 5);
	ck_assert_str_eq(pl->batch_processor->id, "batch/big");

	const struct sluice_filter *f = &pl->processors[0]->filter;
	ck_assert_int_eq(pl->processors[0]->type, SLUICE_PROC_FILTER);
	ck_assert(f->include.present && f->exclude.present);
	ck_assert_int_eq(f->include.match_type, SLUICE_MATCH_REGEXP);
	ck_assert_uint_eq(f->include.n_span_names, 1);
	ck_assert_str_eq(f->include.span_names_re[0].source, "^GET /api/(?P<ver>v\\d+)/");
	ck_assert_str_eq(f->include.span_names_re[0].posix, "^GET /api/(v[0-9]+)/");
	ck_assert_uint_eq(f->include.span_names_re[0].n_groups, 1);
	ck_assert_str_eq(f->include.span_names_re[0].group_names[0], "ver");
	ck_assert_str_eq(f->include.services[0], "checkout");
	ck_assert_str_eq(f->include.services_re[0].posix, "checkout");
	ck_assert_str_eq(f->include.attributes[0].key, "http.status_code");
	ck_assert_str_eq(f->include.attributes[0].regex.posix, "5..");
	ck_assert_int_eq(f->exclude.match_type, SLUICE_MATCH_STRICT);
	ck_assert_uint_eq(f->exclude.span_kinds, (1u << 1) | (1u << 3));
	ck_assert_uint_eq(f->exclude.status_codes, (1u << 0) | (1u << 1));
	ck_assert_uint_eq(f->exclude.min_duration_ns, 1000);
	ck_assert_uint_eq(f->exclude.max_duration_ns, 2 * MS);
	ck_assert_uint_eq(f->exclude.n_resources, 2);
	ck_assert_int_eq(f->exclude.resources[0].value.type, SLUICE_VALUE_STRING);
	ck_assert_str_eq(f->exclude.resources[0].value.s, "noisy");
	ck_assert_int_eq(f->exclude.resources[1].value.type, SLUICE_VALUE_NONE);

	ck_assert_int_eq(pl->processors[1]->type, SLUICE_PROC_PROBABILISTIC_SAMPLER);
	ck_assert(fabs(pl->processors[1]->sampler.sampling_percentage - 12.5) < 1e-12);
	ck_assert_uint_eq(pl->processors[1]->sampler.hash_seed, 22);

	const struct sluice_attributes *a = &pl->processors[2]->attributes;
	ck_assert_uint_eq(a->n_actions, 10);
	ck_assert_int_eq(a->actions[0].action, SLUICE_ACTION_INSERT);
	ck_assert_int_eq(a->actions[0].value.type, SLUICE_VALUE_STRING);
	ck_assert_str_eq(a->actions[0].value.s, "text");
	ck_assert_int_eq(a->actions[1].action, SLUICE_ACTION_UPDATE);
	ck_assert_int_eq(a->actions[1].value.type, SLUICE_VALUE_INT);
	ck_assert_int_eq(a->actions[1].value.i, -42);
	ck_assert_int_eq(a->actions[2].value.type, SLUICE_VALUE_DOUBLE);
	ck_assert(a->actions[2].value.d == 2.5);
	ck_assert_int_eq(a->actions[3].value.type, SLUICE_VALUE_BOOL);
	ck_assert(!a->actions[3].value.b);
	ck_assert_int_eq(a->actions[4].value.type, SLUICE_VALUE_STRING); /* quoted "7" stays a string */
	ck_assert_str_eq(a->actions[4].value.s, "7");
	ck_assert_str_eq(a->actions[5].from_attribute, "s");
	ck_assert_int_eq(a->actions[5].value.type, SLUICE_VALUE_NONE);
	ck_assert_int_eq(a->actions[6].action, SLUICE_ACTION_DELETE);
	ck_assert_ptr_null(a->actions[7].key);
	ck_assert(a->actions[7].has_pattern);
	ck_assert_str_eq(a->actions[7].pattern.posix, "^tmp\\.");
	ck_assert_int_eq(a->actions[8].action, SLUICE_ACTION_HASH);
	ck_assert_str_eq(a->actions[8].key, "user");
	ck_assert_int_eq(a->actions[9].action, SLUICE_ACTION_EXTRACT);
	ck_assert_str_eq(a->actions[9].pattern.posix, "^/([[:alnum:]_]+)/(x)(.*)$");
	ck_assert_uint_eq(a->actions[9].pattern.n_groups, 3);
	ck_assert_str_eq(a->actions[9].pattern.group_names[0], "a");
	ck_assert_ptr_null(a->actions[9].pattern.group_names[1]);
	ck_assert_str_eq(a->actions[9].pattern.group_names[2], "b");
	ck_assert_int_eq(a->include.match_type, SLUICE_MATCH_PREFIX);
	ck_assert_str_eq(a->include.span_names[0], "db.");
	ck_assert(!a->exclude.present);

	ck_assert_int_eq(pl->processors[3]->type, SLUICE_PROC_RESOURCE);
	ck_assert_uint_eq(pl->processors[3]->attributes.n_actions, 1);
	ck_assert_str_eq(pl->processors[3]->attributes.actions[0].value.s, "h1");

	const struct sluice_span_proc *sp = &pl->processors[4]->span;
	ck_assert_uint_eq(sp->n_from_attributes, 2);
	ck_assert_str_eq(sp->from_attributes[1], "db.op");
	ck_assert_str_eq(sp->separator, "::");
	ck_assert_uint_eq(sp->n_rules, 1);
	ck_assert_str_eq(sp->to_attributes[0].group_names[0], "id");
	ck_assert(sp->break_after_match);

	ck_assert_uint_eq(pl->batch->send_batch_size, 100);
	ck_assert_uint_eq(pl->batch->send_batch_max_size, 200);
	ck_assert_uint_eq(pl->batch->send_batch_max_bytes, MIB);
	ck_assert_uint_eq(pl->batch->timeout_ns, S);
	ck_assert_ptr_eq(config_processor(c, "span"), pl->processors[4]);
	ck_assert_ptr_null(config_processor(c, "nope"));
	config_free(c);
}
END_TEST

START_TEST(exporter_options)
{
	struct sluice_config *c = load_ok("exporters:\n"
					  "  otlphttp/backend:\n"
					  "    endpoint: http://collector.example:4318/base/\n"
					  "    headers: {X-Api-Key: secret, Tenant: t1}\n"
					  "    compression: none\n"
					  "    timeout: 10s\n"
					  "    retry_on_failure:\n"
					  "      enabled: false\n"
					  "      initial_interval: 1s\n"
					  "      max_interval: 20s\n"
					  "      max_elapsed_time: 0\n"
					  "      multiplier: 2\n"
					  "      randomization_factor: 0.1\n"
					  "    sending_queue:\n"
					  "      enabled: true\n"
					  "      num_consumers: 4\n"
					  "      queue_size: 50\n"
					  "      storage: /var/lib/q\n"
					  "      storage_max_bytes: 2GiB\n"
					  "    dead_letter_dir: /var/dead\n"
					  "    connections: 8\n"
					  "  otlphttp/full:\n"
					  "    traces_endpoint: http://[::1]:9/custom/path\n"
					  "  otlp:\n"
					  "    endpoint: gateway:4317\n"
					  "    tls: {insecure: true}\n"
					  "    max_concurrent_streams: 64\n"
					  "  otlp/noport:\n"
					  "    endpoint: http://gw\n"
					  "  debug:\n"
					  "    verbosity: detailed\n"
					  "    output: /tmp/spans.jsonl\n"
					  "  file:\n"
					  "    path: /tmp/out.bin\n"
					  "    rotation: {max_megabytes: 10, max_backups: 3}\n"
					  "  file/norotate:\n"
					  "    path: /tmp/out2.bin\n"
					  "sluice: {instance: edge-1, state_dir: /st}\n");
	const struct sluice_otlp_exporter *h = &config_exporter(c, "otlphttp/backend")->otlp;
	const struct sluice_otlp_exporter *f = &config_exporter(c, "otlphttp/full")->otlp;
	const struct sluice_otlp_exporter *g = &config_exporter(c, "otlp")->otlp;
	const struct sluice_otlp_exporter *g2 = &config_exporter(c, "otlp/noport")->otlp;

	ck_assert_uint_eq(c->pipeline.n_exporters, 7); /* not listed: every defined one */
	ck_assert_str_eq(h->host, "collector.example");
	ck_assert_uint_eq(h->port, 4318);
	ck_assert_str_eq(h->path, "/base/v1/traces");
	ck_assert_uint_eq(h->n_headers, 2);
	ck_assert_str_eq(h->headers[0].name, "x-api-key");
	ck_assert_str_eq(h->headers[0].value, "secret");
	ck_assert_str_eq(h->headers[1].name, "tenant");
	ck_assert_int_eq(h->compression, SLUICE_COMPRESSION_NONE);
	ck_assert_uint_eq(h->timeout_ns, 10 * S);
	ck_assert(!h->retry_on_failure.enabled);
	ck_assert_uint_eq(h->retry_on_failure.initial_interval_ns, S);
	ck_assert_uint_eq(h->retry_on_failure.max_interval_ns, 20 * S);
	ck_assert_uint_eq(h->retry_on_failure.max_elapsed_time_ns, 0);
	ck_assert(h->retry_on_failure.multiplier == 2.0);
	ck_assert(h->retry_on_failure.randomization_factor == 0.1);
	ck_assert(h->sending_queue.enabled);
	ck_assert_uint_eq(h->sending_queue.num_consumers, 4);
	ck_assert_uint_eq(h->sending_queue.queue_size, 50);
	ck_assert_str_eq(h->sending_queue.storage, "/var/lib/q");
	ck_assert_uint_eq(h->sending_queue.storage_max_bytes, 2ull << 30);
	ck_assert_str_eq(h->dead_letter_dir, "/var/dead");
	ck_assert_uint_eq(h->connections, 8);

	ck_assert_str_eq(f->host, "::1");
	ck_assert_uint_eq(f->port, 9);
	ck_assert_str_eq(f->path, "/custom/path");
	/* defaults: gzip, 30s, retries on, queue on, dead letters under state_dir */
	ck_assert_int_eq(f->compression, SLUICE_COMPRESSION_GZIP);
	ck_assert_uint_eq(f->timeout_ns, 30 * S);
	ck_assert(f->retry_on_failure.enabled);
	ck_assert_uint_eq(f->retry_on_failure.initial_interval_ns, 5 * S);
	ck_assert_uint_eq(f->retry_on_failure.max_interval_ns, 30 * S);
	ck_assert_uint_eq(f->retry_on_failure.max_elapsed_time_ns, 300 * S);
	ck_assert_uint_eq(f->sending_queue.num_consumers, 10);
	ck_assert_uint_eq(f->sending_queue.queue_size, 1000);
	ck_assert_ptr_null(f->sending_queue.storage);
	ck_assert_str_eq(f->dead_letter_dir, "/st/edge-1/deadletter/otlphttp_full");

	ck_assert_str_eq(g->host, "gateway");
	ck_assert_uint_eq(g->port, 4317);
	ck_assert_ptr_null(g->path);
	ck_assert_uint_eq(g->timeout_ns, 5 * S);
	ck_assert_uint_eq(g->max_concurrent_streams, 64);
	ck_assert_str_eq(g2->host, "gw");
	ck_assert_uint_eq(g2->port, 4317);

	const struct sluice_exporter *d = config_exporter(c, "debug");
	ck_assert_int_eq(d->debug.verbosity, SLUICE_VERBOSITY_DETAILED);
	ck_assert_str_eq(d->debug.output, "/tmp/spans.jsonl");
	const struct sluice_exporter *fl = config_exporter(c, "file");
	ck_assert_str_eq(fl->file.path, "/tmp/out.bin");
	ck_assert(fl->file.rotation);
	ck_assert_uint_eq(fl->file.rotation_max_bytes, 10 * MIB);
	ck_assert_uint_eq(fl->file.rotation_max_backups, 3);
	ck_assert(!config_exporter(c, "file/norotate")->file.rotation);
	config_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_components");
	TCase *t = tcase_create("components");
	tcase_add_test(t, processor_options);
	tcase_add_test(t, exporter_options);
	suite_add_tcase(s, t);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
