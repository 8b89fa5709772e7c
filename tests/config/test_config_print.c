/* The printer generated from the schema tables: every component type, with
 * its options set away from the defaults, prints to YAML that loads back
 * to the same values (and the same printout); unused components too. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/plan.h"
#include "tests/config/cfgtest.h"
#include "tests/check_run.h"

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

/* Loads yaml, prints, loads the printout, prints again: the same text. */
static struct sluice_config *reload(const char *yaml, char **printed)
{
	struct sluice_config *c = load_ok(yaml), *again;
	struct config_error err;
	char *p1 = print(c), *p2;

	ck_assert_msg(config_load_buffer("p.yaml", p1, strlen(p1), &again, &err) == 0, "%s\n%s", err.msg, p1);
	p2 = print(again);
	ck_assert_str_eq(strchr(p1, '\n'), strchr(p2, '\n'));
	ck_assert_uint_eq(again->plan->fingerprint, c->plan->fingerprint);
	config_free(c);
	free(p2);
	if (printed)
		*printed = p1;
	else
		free(p1);
	return again;
}

static const char every_type[] =
	"receivers:\n"
	"  otlp:\n"
	"    protocols:\n"
	"      grpc: {endpoint: '127.0.0.1:0', max_recv_msg_size_mib: 2, max_concurrent_streams: 9,\n"
	"             tls: {cert_file: '${PEM}', key_file: '${PEM}', client_ca_file: '${PEM}', min_version: '1.3', reload_interval: 1m}}\n"
	"      http: {endpoint: '[::1]:0', traces_url_path: /t, logs_url_path: /l, metrics_url_path: /m, read_timeout: 2s, max_request_body_size: 1MiB}\n"
	"    ring_full_wait: 0s\n"
	"processors:\n"
	"  filter/spans: {spans: {include: {match_type: regexp, services: ['^a'], span_kinds: [server], status_codes: [error],\n"
	"                 attributes: [{key: k, value: 'v+'}, {key: e}], min_duration: 1ms}, exclude: {span_names: [x]}}}\n"
	"  filter/logs: {logs: {include: {severity_texts: [ERROR], severity_number: {min: INFO3}, bodies: [b]},\n"
	"                exclude: {record_attributes: [{key: r, value: 1}]}},\n"
	"                metrics: {include: {match_type: regexp, metric_names: ['^http_'], resource_attributes: [{key: h}]}}}\n"
	"  filter/ottl: {error_mode: ignore, traces: {span: ['name == \"$$x\"'], spanevent: ['true']},\n"
	"                logs: {log_record: ['body == \"a\\\\tb\"']}, metrics: {metric: ['name == \"m\"'], datapoint: ['value_int > 5']}}\n"
	"  probabilistic_sampler: {sampling_percentage: 12.5, hash_seed: 7, attribute_source: record, from_attribute: u}\n"
	"  attributes: {actions: [{key: a, value: 1.5, action: insert}, {key: b, from_attribute: a, action: upsert},\n"
	"               {pattern: '^tmp', action: delete}, {key: u, pattern: '(?P<n>.*)', action: extract}],\n"
	"               exclude: {services: [s]}}\n"
	"  resource: {attributes: [{key: env, value: 'prod', action: upsert}, {key: n, value: true, action: insert}]}\n"
	"  span: {name: {from_attributes: [a, b], separator: '-', to_attributes: {rules: ['^(?P<x>a)$'], break_after_match: true}},\n"
	"         include: {span_names: [y]}}\n"
	"  batch: {send_batch_size: 10, send_batch_max_size: 20, send_batch_max_bytes: 1MiB, timeout: 0s}\n"
	"exporters:\n"
	"  otlphttp: {endpoint: 'https://h/p', metrics_endpoint: 'http://m:1/x', headers: {X-Key: '$${notenv}'},\n"
	"             compression: deflate, compression_params: {level: 3}, timeout: 3s, connections: 2,\n"
	"             retry_on_failure: {enabled: false, initial_interval: 1s, max_interval: 2s, max_elapsed_time: 0s, multiplier: 2, randomization_factor: 0},\n"
	"             sending_queue: {enabled: true, num_consumers: 3, queue_size: 4, storage: /q, storage_max_bytes: 2MiB},\n"
	"             tls: {ca_pem: \"-----BEGIN CERTIFICATE-----\\nAA\\n-----END CERTIFICATE-----\\n\", insecure_skip_verify: true,\n"
	"                   include_system_ca_certs_pool: true, server_name_override: s, max_version: '1.3'}}\n"
	"  otlp_http/only: {traces_endpoint: 'http://t:1/a', logs_endpoint: 'http://l:2/b', metrics_endpoint: 'http://m:3/c'}\n"
	"  otlp: {endpoint: 'http://g:1', compression: zstd, max_concurrent_streams: 3, dead_letter_dir: /dl}\n"
	"  otlp_grpc: {endpoint: 'g:2', compression: snappy, tls: {insecure: true}}\n"
	"  debug: {verbosity: detailed, output: /tmp/d}\n"
	"  file: {path: /tmp/f, rotation: {max_megabytes: 3, max_backups: 0}}\n"
	"  file/plain: {path: /tmp/g}\n"
	"  prometheus: {endpoint: ':9', namespace: ns, const_labels: {a: b}, resource_to_telemetry_conversion: {enabled: true},\n"
	"               metric_expiration: 1h, add_metric_suffixes: false, send_timestamps: true, enable_open_metrics: true}\n"
	"connectors:\n"
	"  forward: {}\n"
	"  routing:\n"
	"    error_mode: silent\n"
	"    default_pipelines: [logs/b]\n"
	"    table:\n"
	"      - {condition: 'severity_number > 9', context: log, pipelines: [logs/b]}\n"
	"      - {statement: 'route() where attributes[\"x\"] == 1', pipelines: [logs/b, logs/c]}\n"
	"  routing/unused: {table: [{condition: 'true', pipelines: [nowhere]}]}\n"
	"  spanmetrics:\n"
	"    namespace: ''\n"
	"    histogram: {unit: s, explicit: {buckets: [1ms, 1500ms, 1h]}, dimensions: [{name: h}]}\n"
	"    dimensions: [{name: a, default: x}, {name: b}]\n"
	"    calls_dimensions: [{name: c}]\n"
	"    exclude_dimensions: [span.kind]\n"
	"    resource_metrics_key_attributes: [service.name]\n"
	"    aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA\n"
	"    metrics_flush_interval: 100ms\n"
	"    metrics_expiration: 1m\n"
	"    aggregation_cardinality_limit: 3\n"
	"    exemplars: {enabled: true, max_per_data_point: 9}\n"
	"    dimensions_cache_size: 2\n"
	"    resource_metrics_cache_size: 3\n"
	"    delta_temporality: {metric_timestamp_cache_size: 4}\n"
	"    add_resource_attributes: true\n"
	"  spanmetrics/exp: {histogram: {disable: true, exponential: {max_size: 8}}}\n"
	"service:\n"
	"  pipelines:\n"
	"    traces: {receivers: [otlp], processors: [filter/spans, filter/ottl, probabilistic_sampler, attributes, resource, span, batch],\n"
	"             exporters: [otlphttp, otlp, spanmetrics, spanmetrics/exp, forward]}\n"
	"    traces/b: {receivers: [forward], exporters: [otlp_grpc, debug, file, file/plain]}\n"
	"    metrics: {receivers: [otlp, spanmetrics, spanmetrics/exp], processors: [filter/logs], exporters: [prometheus, otlp_http/only]}\n"
	"    logs: {receivers: [otlp], processors: [filter/logs], exporters: [routing]}\n"
	"    logs/b: {receivers: [routing], exporters: [debug]}\n"
	"    logs/c: {receivers: [routing], exporters: [debug]}\n"
	"  telemetry: {metrics: {address: '127.0.0.1:0'}, logs: {level: warn}}\n"
	"sluice: {instance: rt, ring_bytes: 32MiB, stall_timeout: 3s, restart_stalled: false, bin_dir: /b,\n"
	"         restart: {backoff_initial: 1s, backoff_max: 2s, max_restarts: 1, window: 10s}}\n";

START_TEST(every_component_type_round_trips)
{
	char pem[] = "/tmp/sluice-cfg-pem-XXXXXX", *printed;
	int fd = mkstemp(pem);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_gt(write(fd, "-----BEGIN CERTIFICATE-----\n", 28), 0);
	close(fd);
	setenv("PEM", pem, 1);
	struct sluice_config *c = reload(every_type, &printed);

	/* values that only survive when every hook prints them */
	const struct sluice_receiver *r = &c->receivers[0];
	ck_assert(r->grpc_tls.enabled);
	ck_assert_int_eq(r->grpc_tls.min_version, SLUICE_TLS_1_3);
	ck_assert_str_eq(r->http_url_paths[SLUICE_SIGNAL_METRICS], "/m");
	ck_assert_str_eq(r->http_endpoint.host, "::1");
	const struct sluice_filter *fo = &config_processor(c, "filter/ottl")->filter;
	ck_assert_str_eq(fo->span.items[0].text, "name == \"$x\"");
	ck_assert_str_eq(fo->log_record.items[0].text, "body == \"a\\\\tb\""); /* '' keeps backslashes */
	ck_assert_int_eq(fo->error_mode, SLUICE_ERROR_MODE_IGNORE);
	const struct sluice_filter *fl = &config_processor(c, "filter/logs")->filter;
	ck_assert_uint_eq(fl->logs_include.severity_number_min, 11);
	ck_assert_int_eq(fl->logs_exclude.record_attributes[0].value.type, SLUICE_VALUE_INT);
	ck_assert_str_eq(fl->metrics_include.metric_names_re[0].posix, "^http_");
	const struct sluice_filter *fs = &config_processor(c, "filter/spans")->filter;
	ck_assert_uint_eq(fs->include.span_kinds, 1u << 2);
	ck_assert_uint_eq(fs->include.n_attributes, 2);
	ck_assert_int_eq(fs->include.attributes[1].value.type, SLUICE_VALUE_NONE);
	ck_assert_uint_eq(fs->include.min_duration_ns, 1 * MS);
	ck_assert_int_eq(config_processor(c, "probabilistic_sampler")->sampler.attribute_source,
			 SLUICE_SOURCE_RECORD);
	ck_assert_int_eq(config_processor(c, "attributes")->attributes.actions[0].value.type,
			 SLUICE_VALUE_DOUBLE);
	ck_assert(config_processor(c, "attributes")->attributes.exclude.present);
	ck_assert(config_processor(c, "resource")->attributes.actions[1].value.b);
	ck_assert_str_eq(config_processor(c, "span")->span.separator, "-");
	const struct sluice_otlp_exporter *h = &config_exporter(c, "otlphttp")->otlp;
	ck_assert_str_eq(h->headers[0].name, "x-key");
	ck_assert_str_eq(h->headers[0].value, "${notenv}");
	ck_assert_int_eq(h->compression_level, 3);
	ck_assert_str_eq(h->urls[SLUICE_SIGNAL_METRICS].text, "http://m:1/x");
	ck_assert_str_eq(h->urls[SLUICE_SIGNAL_LOGS].text, "https://h:443/p/v1/logs");
	ck_assert_int_eq(h->tls.max_version, SLUICE_TLS_1_3);
	ck_assert(h->tls.insecure_skip_verify && h->tls.include_system_ca_certs_pool);
	ck_assert_ptr_null(config_exporter(c, "otlp_http/only")->otlp.endpoint);
	ck_assert_str_eq(config_exporter(c, "otlp_http/only")->otlp.urls[SLUICE_SIGNAL_LOGS].text,
			 "http://l:2/b");
	ck_assert(!config_exporter(c, "otlp")->otlp.tls.enabled);
	ck_assert(!config_exporter(c, "otlp_grpc")->otlp.tls.enabled);
	ck_assert(config_exporter(c, "file")->file.rotation);
	ck_assert(!config_exporter(c, "file/plain")->file.rotation);
	ck_assert_uint_eq(config_exporter(c, "prometheus")->prometheus.n_const_labels, 1);
	const struct sluice_spanmetrics *m = &config_connector(c, "spanmetrics")->spanmetrics;
	ck_assert_str_eq(m->namespace_, "");
	ck_assert_uint_eq(m->buckets_ns[1], 1500 * MS);
	ck_assert_uint_eq(m->n_histogram_dimensions, 1);
	ck_assert_uint_eq(m->n_calls_dimensions, 1);
	ck_assert(m->add_resource_attributes);
	ck_assert(config_connector(c, "spanmetrics/exp")->spanmetrics.exponential);
	const struct sluice_routing *rt = &config_connector(c, "routing")->routing;
	ck_assert_int_eq(rt->table[0].condition.context, SLUICE_OTTL_LOG);
	ck_assert(rt->table[1].is_statement);
	ck_assert_uint_eq(rt->table[1].n_pipelines, 2);
	ck_assert_int_eq(rt->error_mode, SLUICE_ERROR_MODE_SILENT);
	ck_assert_uint_eq(c->n_pipelines, 6);
	ck_assert_uint_eq(c->stall_timeout_ns, 3 * S);
	ck_assert(!c->restart_stalled);
	ck_assert_uint_eq(c->rings.batch_export, 32 * MIB);
	/* what the printout says for people */
	ck_assert_ptr_nonnull(strstr(printed, "    # gRPC to g:2, plain text (no TLS)\n"));
	ck_assert_ptr_nonnull(strstr(printed, "    # logs go to https://h:443/p/v1/logs (TLS)\n"));
	ck_assert_ptr_nonnull(strstr(printed, "#   ring 4 mid:traces/b (traces, 32MiB) <- in:traces\n"));
	ck_assert_ptr_nonnull(strstr(
		printed,
		"#   ring 5 mid:metrics (metrics, 32MiB) <- in:metrics, spanmetrics, spanmetrics/exp\n"));
	free(printed);
	config_free(c);
	unlink(pem);
	unsetenv("PEM");
}
END_TEST

/* The printout of each component type on its own (defaults only). */
START_TEST(each_type_with_defaults_round_trips)
{
	static const char *const one[] = {
		"processors: {filter: {}}\nservice: {pipelines: {traces: {processors: [filter]}}}\n",
		"processors: {probabilistic_sampler: {}}\nservice: {pipelines: {traces: {processors: [probabilistic_sampler]}}}\n",
		"processors: {attributes: {}}\nservice: {pipelines: {logs: {processors: [attributes]}}}\n",
		"processors: {resource: {}}\nservice: {pipelines: {metrics: {processors: [resource]}}}\n",
		"processors: {span: {name: {from_attributes: [a]}}}\nservice: {pipelines: {traces: {processors: [span]}}}\n",
		"processors: {batch: {}}\n",
		"exporters: {otlphttp: {endpoint: 'http://h'}}\n",
		"exporters: {otlp: {endpoint: 'h:1'}}\n",
		"exporters: {debug: {}}\n",
		"exporters: {file: {path: /x}}\n",
		"exporters: {prometheus: {endpoint: ':1'}}\nservice: {pipelines: {metrics: {}}}\n",
		"connectors: {forward: {}}\nreceivers: {otlp: {}}\nexporters: {debug: {}}\n"
		"service: {pipelines: {traces: {receivers: [otlp], exporters: [forward]}, traces/b: {receivers: [forward], exporters: [debug]}}}\n",
		"connectors: {spanmetrics: {}}\nreceivers: {otlp: {}}\nexporters: {debug: {}}\n"
		"service: {pipelines: {traces: {receivers: [otlp], exporters: [spanmetrics]}, metrics: {receivers: [spanmetrics], exporters: [debug]}}}\n",
		"connectors: {routing: {table: [{condition: 'true', pipelines: [a]}]}}\n",
	};

	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++)
		config_free(reload(one[i], NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_print");
	TCase *t = tcase_create("print");

	tcase_add_test(t, every_component_type_round_trips);
	tcase_add_test(t, each_type_with_defaults_round_trips);
	suite_add_tcase(s, t);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
