/* What a user relies on when a config loads: the defaults of an empty file,
 * every option landing in the struct, ${env} substitution, files read from
 * disk, and a printout that loads back to the same configuration. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/log.h"

#include "tests/config/cfgtest.h"
#include "tests/check_run.h"

static void check_defaults(const struct sluice_config *c)
{
	const struct sluice_pipeline *pl = &c->pipeline;

	ck_assert_uint_eq(pl->n_receivers, 1);
	ck_assert_str_eq(pl->receivers[0]->id, "otlp");
	ck_assert(pl->receivers[0]->grpc_enabled && pl->receivers[0]->http_enabled);
	ck_assert_str_eq(pl->receivers[0]->grpc_endpoint.host, "127.0.0.1");
	ck_assert_uint_eq(pl->receivers[0]->grpc_endpoint.port, 4317);
	ck_assert_uint_eq(pl->receivers[0]->http_endpoint.port, 4318);
	ck_assert_uint_eq(pl->receivers[0]->grpc_max_recv_msg_size, 4 * MIB);
	ck_assert_uint_eq(pl->receivers[0]->http_max_request_body_size, 20 * MIB);
	ck_assert_uint_eq(pl->n_processors, 0);
	ck_assert_ptr_nonnull(pl->batch_processor);
	ck_assert_uint_eq(pl->batch->send_batch_size, 8192);
	ck_assert_uint_eq(pl->batch->send_batch_max_size, 0);
	ck_assert_uint_eq(pl->batch->send_batch_max_bytes, 4 * MIB);
	ck_assert_uint_eq(pl->batch->timeout_ns, 200 * MS);
	ck_assert_uint_eq(pl->n_exporters, 1);
	ck_assert_int_eq(pl->exporters[0]->type, SLUICE_EXP_DEBUG);
	ck_assert_int_eq(pl->exporters[0]->debug.verbosity, SLUICE_VERBOSITY_BASIC);
	ck_assert_ptr_null(pl->exporters[0]->debug.output);
	ck_assert_str_eq(c->metrics_address.text, "127.0.0.1:8888");
	ck_assert_int_eq(c->log_level, LOG_INFO);
	ck_assert_str_eq(c->instance, "default");
	ck_assert_uint_eq(c->rings.ingest_process, 64 * MIB);
	ck_assert_uint_eq(c->rings.process_batch, 64 * MIB);
	ck_assert_uint_eq(c->rings.batch_export, 64 * MIB);
	ck_assert_uint_eq(c->restart.backoff_initial_ns, 100 * MS);
	ck_assert_uint_eq(c->restart.backoff_max_ns, 10 * S);
	ck_assert_uint_eq(c->restart.max_restarts, 5);
	ck_assert_uint_eq(c->restart.window_ns, 60 * S);
	ck_assert_ptr_nonnull(c->runtime_dir);
	ck_assert_int_eq(c->runtime_dir[0], '/');
	ck_assert_int_eq(c->state_dir[0], '/');
	ck_assert_ptr_null(c->bin_dir);
}

START_TEST(empty_inputs_are_the_default_config)
{
	/* nothing, whitespace, comments only, an empty mapping, a null document */
	static const char *const inputs[] = { "", "\n\n", "# just a comment\n", "{}", "~\n", "---\n" };
	struct sluice_config *c;
	struct config_error err;

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		c = load_ok(inputs[i]);
		check_defaults(c);
		config_free(c);
	}
	ck_assert_int_eq(config_load(NULL, &c, &err), 0);
	ck_assert_str_eq(c->path, "");
	check_defaults(c);
	config_free(c);
}
END_TEST

START_TEST(receiver_options)
{
	struct sluice_config *c = load_ok("receivers:\n"
					  "  otlp:\n"
					  "    protocols:\n"
					  "      grpc:\n"
					  "        endpoint: 0.0.0.0:14317\n"
					  "        max_recv_msg_size_mib: 16\n"
					  "        max_concurrent_streams: 7\n"
					  "      http:\n"
					  "        endpoint: \"[::1]:14318\"\n"
					  "        max_request_body_size: 512KiB\n"
					  "        read_timeout: 2s\n"
					  "        idle_timeout: 90s\n"
					  "    ring_full_wait: 250ms\n"
					  "    retry_after: 3s\n"
					  "  otlp/httponly:\n"
					  "    protocols:\n"
					  "      http:\n"
					  "        endpoint: :9\n");
	const struct sluice_receiver *r = &c->receivers[0], *h = &c->receivers[1];

	ck_assert_uint_eq(c->n_receivers, 2);
	ck_assert_uint_eq(c->pipeline.n_receivers, 2); /* not listed: every defined one */
	ck_assert_str_eq(r->grpc_endpoint.host, "0.0.0.0");
	ck_assert_uint_eq(r->grpc_endpoint.port, 14317);
	ck_assert_uint_eq(r->grpc_max_recv_msg_size, 16 * MIB);
	ck_assert_uint_eq(r->grpc_max_concurrent_streams, 7);
	ck_assert_str_eq(r->http_endpoint.host, "::1");
	ck_assert_uint_eq(r->http_endpoint.port, 14318);
	ck_assert_uint_eq(r->http_max_request_body_size, 512 * 1024);
	ck_assert_uint_eq(r->http_read_timeout_ns, 2 * S);
	ck_assert_uint_eq(r->http_idle_timeout_ns, 90 * S);
	ck_assert_uint_eq(r->ring_full_wait_ns, 250 * MS);
	ck_assert_uint_eq(r->retry_after_ns, 3 * S);
	ck_assert_uint_eq(r->line, 2);
	ck_assert_uint_eq(r->col, 3);
	/* only the protocols listed are served */
	ck_assert(!h->grpc_enabled);
	ck_assert(h->http_enabled);
	ck_assert_str_eq(h->http_endpoint.host, "0.0.0.0");
	ck_assert_uint_eq(h->http_endpoint.port, 9);
	config_free(c);
}
END_TEST

START_TEST(pipeline_without_batch_passes_records_through)
{
	struct sluice_config *c = load_ok("service: {pipelines: {traces: {processors: []}}}\n");

	ck_assert_ptr_null(c->pipeline.batch_processor);
	ck_assert_uint_eq(c->pipeline.n_processors, 0);
	ck_assert_uint_eq(c->pipeline.batch->send_batch_size, 1);
	ck_assert_uint_eq(c->pipeline.batch->timeout_ns, 0);
	config_free(c);
}
END_TEST

START_TEST(service_and_sluice_options)
{
	struct sluice_config *c = load_ok(
		"receivers: {otlp: {}, otlp/b: {}}\n"
		"exporters: {debug: {}, debug/2: {}}\n"
		"service:\n"
		"  pipelines:\n"
		"    traces:\n"
		"      receivers: [otlp/b]\n"
		"      exporters: [debug/2, debug]\n"
		"  telemetry:\n"
		"    metrics: {address: 127.0.0.1:9999}\n"
		"    logs: {level: debug}\n"
		"sluice:\n"
		"  instance: edge_1.a-b\n"
		"  ring_bytes: 128MiB\n"
		"  rings: {batch_export: 64MiB}\n"
		"  restart: {backoff_initial: 50ms, backoff_max: 2s, max_restarts: 3, window: 30s}\n"
		"  stop_timeout: 5s\n"
		"  start_timeout: 2s\n"
		"  runtime_dir: /tmp/rt\n"
		"  state_dir: /tmp/st\n"
		"  bin_dir: /opt/sluice/bin\n");
	const struct sluice_pipeline *pl = &c->pipeline;

	ck_assert_uint_eq(pl->n_receivers, 1);
	ck_assert_str_eq(pl->receivers[0]->id, "otlp/b");
	ck_assert_uint_eq(pl->n_exporters, 2);
	ck_assert_str_eq(pl->exporters[0]->id, "debug/2"); /* pipeline order */
	ck_assert_uint_eq(c->metrics_address.port, 9999);
	ck_assert_int_eq(c->log_level, LOG_DEBUG);
	ck_assert_str_eq(c->instance, "edge_1.a-b");
	ck_assert_uint_eq(c->rings.ingest_process, 128 * MIB);
	ck_assert_uint_eq(c->rings.process_batch, 128 * MIB);
	ck_assert_uint_eq(c->rings.batch_export, 64 * MIB);
	ck_assert_uint_eq(c->restart.backoff_initial_ns, 50 * MS);
	ck_assert_uint_eq(c->restart.backoff_max_ns, 2 * S);
	ck_assert_uint_eq(c->restart.max_restarts, 3);
	ck_assert_uint_eq(c->restart.window_ns, 30 * S);
	ck_assert_uint_eq(c->stop_timeout_ns, 5 * S);
	ck_assert_uint_eq(c->start_timeout_ns, 2 * S);
	ck_assert_str_eq(c->runtime_dir, "/tmp/rt");
	ck_assert_str_eq(c->state_dir, "/tmp/st");
	ck_assert_str_eq(c->bin_dir, "/opt/sluice/bin");
	config_free(c);

	/* a per-ring size wins over ring_bytes whatever the key order */
	c = load_ok("sluice: {rings: {ingest_process: 256MiB}, ring_bytes: 128MiB}\n");
	ck_assert_uint_eq(c->rings.ingest_process, 256 * MIB);
	ck_assert_uint_eq(c->rings.batch_export, 128 * MIB);
	config_free(c);
}
END_TEST

START_TEST(env_substitution)
{
	setenv("SLUICE_T_PORT", "4999", 1);
	setenv("SLUICE_T_KEY", "k3y", 1);
	setenv("SLUICE_T_EMPTY", "", 1);
	struct sluice_config *c = load_ok("receivers:\n"
					  "  otlp:\n"
					  "    protocols:\n"
					  "      http:\n"
					  "        endpoint: 127.0.0.1:${env:SLUICE_T_PORT}\n"
					  "exporters:\n"
					  "  otlphttp:\n"
					  "    endpoint: http://x\n"
					  "    headers:\n"
					  "      a: \"${SLUICE_T_KEY}-${env:SLUICE_T_KEY}\"\n"
					  "      b: cost $$5 ${SLUICE_T_EMPTY}.\n"
					  "      c: $HOME and $ alone\n");
	const struct sluice_otlp_exporter *o = &c->exporters[0].otlp;

	ck_assert_uint_eq(c->receivers[0].http_endpoint.port, 4999);
	ck_assert_str_eq(o->headers[0].value, "k3y-k3y");
	ck_assert_str_eq(o->headers[1].value, "cost $5 .");
	ck_assert_str_eq(o->headers[2].value, "$HOME and $ alone"); /* only ${...} is substituted */
	config_free(c);

	/* a substituted number is typed like one written in place */
	setenv("SLUICE_T_N", "12", 1);
	c = load_ok("processors: {batch: {send_batch_size: '${SLUICE_T_N}'}}\n");
	ck_assert_uint_eq(c->pipeline.batch->send_batch_size, 12);
	config_free(c);
	unsetenv("SLUICE_T_PORT");
	unsetenv("SLUICE_T_KEY");
	unsetenv("SLUICE_T_EMPTY");
	unsetenv("SLUICE_T_N");
}
END_TEST

static char *print_to_string(const struct sluice_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(config_print(c, f), 0);
	fclose(f);
	return buf;
}

/* RE2 lazy repeats (x+? x*? x?? x{n,m}?) in a match-only regexp: the ? is
 * dropped, so every string matches exactly as it would in Go. Read as
 * POSIX, "^a+?$" would be "^(a+)?$" and match "". */
START_TEST(regexp_lazy_repeats_match_as_in_re2)
{
	static const struct {
		const char *re, *posix, *subject;
		bool match;
	} cases[] = {
		{ "^a+?$", "^a+$", "", false },
		{ "^a+?$", "^a+$", "aaa", true },
		{ "^ab*?c$", "^ab*c$", "ac", true },
		{ "^ab*?c$", "^ab*c$", "abbc", true },
		{ "^ab*?c$", "^ab*c$", "abxc", false },
		{ "^x??y$", "^x?y$", "y", true },
		{ "^x??y$", "^x?y$", "xy", true },
		{ "^x??y$", "^x?y$", "xxy", false },
		{ "^a{2,3}?$", "^a{2,3}$", "a", false },
		{ "^a{2,3}?$", "^a{2,3}$", "aaa", true },
		{ "^a{2,3}?$", "^a{2,3}$", "aaaa", false },
		{ "^(?:ab)+?$", "^(ab)+$", "", false },
		{ "^(?:ab)+?$", "^(ab)+$", "abab", true },
		{ "^[?]+?$", "^[?]+$", "??", true }, /* a ? in brackets is a character */
		{ "^[?]+?$", "^[?]+$", "", false },
		{ "^a\\??$", "^a\\??$", "a?", true }, /* \? is a character: its ? is greedy */
		{ "^a\\??$", "^a\\??$", "a", true },
		{ "^a\\??$", "^a\\??$", "a??", false },
		{ "GET .*?/x", "GET .*/x", "GET /a/b/x", true }, /* unanchored, as filter matches */
		{ "GET .*?/x", "GET .*/x", "GET /a/b/y", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char yaml[256];
		snprintf(yaml, sizeof(yaml),
			 "processors: {filter: {spans: {include: {match_type: regexp, "
			 "span_names: ['%s']}}}}\nservice: {pipelines: {traces: {processors: [filter]}}}\n",
			 cases[i].re);
		struct sluice_config *c = load_ok(yaml);
		const struct sluice_filter *f = &c->processors[0].filter;
		ck_assert_str_eq(f->include.span_names_re[0].source, cases[i].re);
		ck_assert_msg(!strcmp(f->include.span_names_re[0].posix, cases[i].posix), "%s -> %s, want %s",
			      cases[i].re, f->include.span_names_re[0].posix, cases[i].posix);
		regex_t re;
		ck_assert_int_eq(regcomp(&re, f->include.span_names_re[0].posix, REG_EXTENDED | REG_NOSUB),
				 0);
		ck_assert_msg((regexec(&re, cases[i].subject, 0, NULL, 0) == 0) == cases[i].match,
			      "%s on \"%s\": want %s", cases[i].re, cases[i].subject,
			      cases[i].match ? "a match" : "no match");
		regfree(&re);
		config_free(c);
	}
}
END_TEST

START_TEST(printout_loads_back_to_the_same_config)
{
	static const char *const inputs[] = {
		"",
		"processors:\n"
		"  filter: {spans: {exclude: {match_type: regexp, span_names: ['^health$'],"
		" attributes: [{key: k, value: 5}], resources: [{key: r}], status_codes: [error]}}}\n"
		"  attributes: {actions: [{key: a, value: \"x\\\"y$$z\", action: insert},"
		" {key: b, value: 1.0, action: upsert}, {key: u, pattern: '(?P<n>.*)', action: extract},"
		" {key: nl, value: \"x\\Ny\\Lz\\P\\uFEFF\\t\", action: insert}]}\n"
		"  span: {name: {to_attributes: {rules: ['^(?P<x>a)$']}}}\n"
		"  probabilistic_sampler: {sampling_percentage: 33.333333333333336}\n"
		"  batch: {timeout: 1500ms}\n"
		"exporters:\n"
		"  otlphttp: {endpoint: 'http://[::1]:1/p', headers: {k: v}}\n"
		"  otlp: {endpoint: h:2, sending_queue: {storage: /q}}\n"
		"  file: {path: /f, rotation: {}}\n"
		"service: {pipelines: {traces: {processors: [filter, attributes, span,"
		" probabilistic_sampler, batch], exporters: [otlp, otlphttp, file]}}}\n"
		"sluice: {bin_dir: /b, instance: x}\n",
	};

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct sluice_config *c = load_ok(inputs[i]), *again;
		char *p1 = print_to_string(c), *p2;
		struct config_error err;

		ck_assert_msg(config_load_buffer("p.yaml", p1, strlen(p1), &again, &err) == 0,
			      "printout does not load: %s\n%s", err.msg, p1);
		p2 = print_to_string(again);
		ck_assert_str_eq(strchr(p1, '\n'), strchr(p2, '\n'));
		if (i == 1) {
			const struct sluice_attributes *a = &again->pipeline.processors[1]->attributes;
			ck_assert_str_eq(a->actions[0].value.s, "x\"y$z");
			ck_assert_int_eq(a->actions[1].value.type, SLUICE_VALUE_DOUBLE);
			/* unicode line breaks survive the printout unfolded */
			ck_assert_str_eq(a->actions[3].value.s,
					 "x\xc2\x85y\xe2\x80\xa8z\xe2\x80\xa9\xef\xbb\xbf\t");
			ck_assert(again->pipeline.processors[3]->sampler.sampling_percentage ==
				  c->pipeline.processors[3]->sampler.sampling_percentage);
		}
		free(p1);
		free(p2);
		config_free(again);
		config_free(c);
	}
}
END_TEST

START_TEST(files_from_disk)
{
	char path[] = "/tmp/sluice-config-test-XXXXXX";
	int fd = mkstemp(path);
	struct sluice_config *c;
	struct config_error err;
	static const char body[] = "sluice:\n  instance: fromfile\n  bogus: 1\n";

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, body, 29), 29); /* first two lines only */
	ck_assert_int_eq(config_load(path, &c, &err), 0);
	ck_assert_str_eq(c->instance, "fromfile");
	ck_assert_str_eq(c->path, path);
	config_free(c);

	/* errors name the file as given */
	ck_assert_int_eq(write(fd, body + 29, sizeof(body) - 1 - 29), (ssize_t)(sizeof(body) - 1 - 29));
	ck_assert_int_eq(config_load(path, &c, &err), -EINVAL);
	ck_assert_ptr_null(c);
	char want[256];
	snprintf(want, sizeof(want),
		 "%s:3:3: unknown key \"bogus\" in sluice (expected one of: instance, ring_bytes,"
		 " rings, restart, stop_timeout, start_timeout, stall_timeout, restart_stalled, runtime_dir, state_dir,"
		 " bin_dir)",
		 path);
	ck_assert_str_eq(err.msg, want);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_uint_eq(err.col, 3);
	close(fd);
	unlink(path);

	ck_assert_int_eq(config_load(path, &c, &err), -ENOENT);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	ck_assert_str_eq(err.msg, want);
	ck_assert_int_eq(config_load("/tmp", &c, &err), -EISDIR);
	ck_assert_str_eq(err.msg, "/tmp: not a regular file");
}
END_TEST

/* The conversion example in docs/config.md: the Collector file is refused
 * at its first unsupported section, the sluice file loads as described. */
START_TEST(docs_example_loads)
{
	const char *src = getenv("SLUICE_SOURCE_DIR");
#ifdef CONFIG_TEST_SOURCE_DIR
	if (!src)
		src = CONFIG_TEST_SOURCE_DIR; /* run by hand, outside ctest */
#endif
	char path[1024], *doc = NULL, *blocks[2] = { 0 };
	size_t len = 0;
	FILE *f;
	struct sluice_config *c;
	struct config_error err;

	ck_assert_ptr_nonnull(src);
	snprintf(path, sizeof(path), "%s/docs/config.md", src);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(getdelim(&doc, &len, '\0', f) > 0, 1);
	fclose(f);
	/* the first two ```yaml blocks */
	char *p = doc;
	for (int i = 0; i < 2; i++) {
		p = strstr(p, "```yaml\n");
		ck_assert_ptr_nonnull(p);
		p += 8;
		char *end = strstr(p, "```");
		ck_assert_ptr_nonnull(end);
		*end = '\0';
		blocks[i] = p;
		p = end + 1;
	}
	setenv("API_KEY", "k", 1);
	ck_assert_int_eq(config_load_buffer("collector.yaml", blocks[0], strlen(blocks[0]), &c, &err),
			 -EINVAL);
	ck_assert_str_eq(err.msg,
			 "collector.yaml:2:3: extensions: not supported by sluice (remove this section)");
	ck_assert_msg(config_load_buffer("sluice.yaml", blocks[1], strlen(blocks[1]), &c, &err) == 0, "%s",
		      err.msg);
	ck_assert_uint_eq(c->pipeline.n_processors, 2);
	ck_assert_str_eq(c->pipeline.processors[0]->id, "filter/health");
	ck_assert_uint_eq(c->pipeline.batch->send_batch_size, 4096);
	ck_assert_str_eq(c->pipeline.exporters[0]->otlp.headers[0].value, "k");
	ck_assert_str_eq(c->pipeline.exporters[0]->otlp.sending_queue.storage, "/var/lib/sluice/queue");
	config_free(c);
	unsetenv("API_KEY");
	free(doc);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config_load");
	TCase *t = tcase_create("load");

	tcase_add_test(t, empty_inputs_are_the_default_config);
	tcase_add_test(t, receiver_options);
	tcase_add_test(t, pipeline_without_batch_passes_records_through);
	tcase_add_test(t, service_and_sluice_options);
	tcase_add_test(t, env_substitution);
	tcase_add_test(t, printout_loads_back_to_the_same_config);
	tcase_add_test(t, regexp_lazy_repeats_match_as_in_re2);
	tcase_add_test(t, files_from_disk);
	tcase_add_test(t, docs_example_loads);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite(), CK_FORK_GETENV) ? 1 : 0;
}
