/* What loads for the new shapes: several pipelines of every signal, the
 * OTLP exporters' URLs and TLS, compression, prometheus, spanmetrics and
 * its Collector defaults, the filter's log, metric and OTTL forms, OTTL
 * condition positions, receiver TLS and paths, sluice extras. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/config/cfgtest.h"
#include "tests/check_run.h"

static char tls_dir[64];

/* Three PEM-looking files in a temporary directory, as $TLS_DIR. */
static void make_tls_files(void)
{
	static const char *const names[] = { "ca.pem", "cert.pem", "key.pem" };
	char path[128];

	snprintf(tls_dir, sizeof(tls_dir), "/tmp/sluice-cfg-tls-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tls_dir));
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", tls_dir, names[i]);
		FILE *f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fputs("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", f);
		fclose(f);
	}
	setenv("TLS_DIR", tls_dir, 1);
}

static void remove_tls_files(void)
{
	static const char *const names[] = { "ca.pem", "cert.pem", "key.pem" };
	char path[128];

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", tls_dir, names[i]);
		unlink(path);
	}
	rmdir(tls_dir);
	unsetenv("TLS_DIR");
}

START_TEST(pipelines_of_every_signal)
{
	struct sluice_config *c = load_ok(
		"receivers: {otlp: {}}\n"
		"processors: {batch: {send_batch_size: 100}, batch/logs: {send_batch_size: 2000}, resource: {attributes: [{key: a, value: 1, action: upsert}]}}\n"
		"exporters: {debug: {}, otlp_http: {endpoint: 'http://b:4318'}}\n"
		"service:\n"
		"  pipelines:\n"
		"    traces: {receivers: [otlp], processors: [resource, batch], exporters: [otlp_http]}\n"
		"    logs: {receivers: [otlp], processors: [resource, batch/logs], exporters: [otlp_http, debug]}\n"
		"    metrics/m: {receivers: [otlp], exporters: [debug]}\n");

	ck_assert_uint_eq(c->n_pipelines, 3);
	ck_assert_str_eq(c->pipelines[0].id, "traces");
	ck_assert_int_eq(c->pipelines[0].signal, SLUICE_SIGNAL_TRACES);
	ck_assert_int_eq(c->pipelines[1].signal, SLUICE_SIGNAL_LOGS);
	ck_assert_str_eq(c->pipelines[2].id, "metrics/m");
	ck_assert_int_eq(c->pipelines[2].signal, SLUICE_SIGNAL_METRICS);
	ck_assert_uint_eq(c->pipelines[2].line, 8);
	ck_assert_uint_eq(c->pipelines[2].col, 5);
	ck_assert_uint_eq(c->pipelines[0].batch->send_batch_size, 100);
	ck_assert_uint_eq(c->pipelines[1].batch->send_batch_size, 2000);
	ck_assert_uint_eq(c->pipelines[1].n_processors, 1);
	ck_assert_uint_eq(c->pipelines[1].n_exporters, 2);
	/* several pipelines: an absent processors list is no processor (Collector) */
	ck_assert_uint_eq(c->pipelines[2].n_processors, 0);
	ck_assert_ptr_null(c->pipelines[2].batch_processor);
	ck_assert_uint_eq(c->pipelines[2].batch->send_batch_size, 1);
	ck_assert_str_eq(config_signal_name(c->pipelines[1].signal), "logs");
	ck_assert_ptr_eq(config_pipeline(c, "logs"), &c->pipelines[1]);
	ck_assert_ptr_null(config_pipeline(c, "logs/x"));
	/* the otlp_http exporter: one URL per signal */
	const struct sluice_otlp_exporter *o = &c->exporters[1].otlp;
	ck_assert_int_eq(c->exporters[1].type, SLUICE_EXP_OTLPHTTP);
	ck_assert_str_eq(o->urls[SLUICE_SIGNAL_TRACES].text, "http://b:4318/v1/traces");
	ck_assert_str_eq(o->urls[SLUICE_SIGNAL_LOGS].path, "/v1/logs");
	ck_assert_str_eq(o->urls[SLUICE_SIGNAL_METRICS].path, "/v1/metrics");
	ck_assert_str_eq(o->path, "/v1/traces"); /* compat */
	ck_assert(!o->tls.enabled);
	config_free(c);

	/* a lone logs pipeline gets the defaults, as a lone traces one does */
	c = load_ok("service: {pipelines: {logs: {}}}\n");
	ck_assert_int_eq(c->pipelines[0].signal, SLUICE_SIGNAL_LOGS);
	ck_assert_str_eq(c->pipelines[0].receivers[0]->id, "otlp");
	ck_assert_str_eq(c->pipelines[0].batch_processor->id, "batch");
	ck_assert_str_eq(c->pipelines[0].exporters[0]->id, "debug");
	config_free(c);
}
END_TEST

START_TEST(otlp_exporters_tls_and_compression)
{
	make_tls_files();
	struct sluice_config *c = load_ok(
		"exporters:\n"
		"  otlp_http/a:\n"
		"    endpoint: https://backend.example/base/\n"
		"    logs_endpoint: http://logs.example:9000/ingest\n"
		"    compression: zstd\n"
		"    compression_params: {level: 19}\n"
		"    tls:\n"
		"      ca_file: ${env:TLS_DIR}/ca.pem\n"
		"      cert_file: ${env:TLS_DIR}/cert.pem\n"
		"      key_file: ${env:TLS_DIR}/key.pem\n"
		"      server_name_override: api.example\n"
		"      min_version: \"1.3\"\n"
		"      reload_interval: 1h\n"
		"  otlp_grpc/tls: {endpoint: 'gw:4317'}\n"
		"  otlp_grpc/plain: {endpoint: 'http://gw:4317'}\n"
		"  otlp/insecure: {endpoint: 'gw', tls: {insecure: true, ca_pem: \"-----BEGIN CERTIFICATE-----\\nx\"}}\n"
		"  otlp/https: {endpoint: 'https://gw:443', compression: none}\n");
	const struct sluice_otlp_exporter *h = &c->exporters[0].otlp;

	ck_assert_str_eq(h->urls[SLUICE_SIGNAL_TRACES].text, "https://backend.example:443/base/v1/traces");
	ck_assert(h->urls[SLUICE_SIGNAL_TRACES].tls);
	ck_assert_str_eq(h->urls[SLUICE_SIGNAL_LOGS].text, "http://logs.example:9000/ingest");
	ck_assert(!h->urls[SLUICE_SIGNAL_LOGS].tls);
	ck_assert_str_eq(h->urls[SLUICE_SIGNAL_METRICS].text, "https://backend.example:443/base/v1/metrics");
	ck_assert(h->tls.enabled);
	ck_assert_uint_eq(h->port, 443);
	ck_assert_int_eq(h->compression, SLUICE_COMPRESSION_ZSTD);
	ck_assert_int_eq(h->compression_level, 19);
	ck_assert_ptr_nonnull(strstr(h->tls.ca_file, "/ca.pem"));
	ck_assert_ptr_nonnull(strstr(h->tls.key_file, "/key.pem"));
	ck_assert_str_eq(h->tls.server_name_override, "api.example");
	ck_assert_int_eq(h->tls.min_version, SLUICE_TLS_1_3);
	ck_assert_int_eq(h->tls.max_version, SLUICE_TLS_ANY);
	ck_assert_uint_eq(h->tls.reload_interval_ns, 3600 * S);
	/* gRPC: TLS unless insecure or http:// (the Collector's rule) */
	ck_assert(c->exporters[1].otlp.tls.enabled);
	ck_assert_int_eq(c->exporters[1].otlp.tls.min_version, SLUICE_TLS_1_2);
	ck_assert(!c->exporters[2].otlp.tls.enabled);
	ck_assert(!c->exporters[3].otlp.tls.enabled);
	ck_assert_uint_eq(c->exporters[3].otlp.port, 4317);
	ck_assert(c->exporters[4].otlp.tls.enabled);
	ck_assert_uint_eq(c->exporters[4].otlp.port, 443);
	ck_assert_int_eq(c->exporters[4].otlp.compression, SLUICE_COMPRESSION_NONE);
	ck_assert_ptr_null(c->exporters[4].otlp.path);
	ck_assert_str_eq(c->exporters[1].otlp.urls[SLUICE_SIGNAL_LOGS].host, "gw");
	ck_assert_int_eq(c->exporters[1].type, SLUICE_EXP_OTLP);
	ck_assert_str_eq(config_exporter_type_name(c->exporters[1].type), "otlp");
	config_free(c);
	remove_tls_files();
}
END_TEST

START_TEST(receiver_tls_and_paths)
{
	make_tls_files();
	struct sluice_config *c = load_ok(
		"receivers:\n"
		"  otlp:\n"
		"    protocols:\n"
		"      grpc:\n"
		"        tls: {cert_file: '${TLS_DIR}/cert.pem', key_file: '${TLS_DIR}/key.pem', client_ca_file: '${TLS_DIR}/ca.pem'}\n"
		"      http:\n"
		"        logs_url_path: /logs\n");
	const struct sluice_receiver *r = &c->receivers[0];

	ck_assert(r->grpc_tls.enabled);
	ck_assert_ptr_nonnull(strstr(r->grpc_tls.client_ca_file, "/ca.pem"));
	ck_assert_int_eq(r->grpc_tls.min_version, SLUICE_TLS_1_2);
	ck_assert(!r->http_tls.enabled);
	ck_assert_str_eq(r->http_url_paths[SLUICE_SIGNAL_TRACES], "/v1/traces");
	ck_assert_str_eq(r->http_url_paths[SLUICE_SIGNAL_LOGS], "/logs");
	ck_assert_str_eq(r->http_url_paths[SLUICE_SIGNAL_METRICS], "/v1/metrics");
	config_free(c);
	remove_tls_files();
}
END_TEST

START_TEST(prometheus_exporter)
{
	struct sluice_config *c = load_ok(
		"exporters: {prometheus: {endpoint: '127.0.0.1:8889'}, prometheus/full: {endpoint: ':9',"
		" namespace: apps, const_labels: {env: prod, Region_1: eu}, resource_to_telemetry_conversion: {enabled: true},"
		" metric_expiration: 1m, add_metric_suffixes: false, send_timestamps: true, enable_open_metrics: true}}\n"
		"service: {pipelines: {metrics: {exporters: [prometheus, prometheus/full]}}}\n");
	const struct sluice_prometheus_exporter *d = &c->exporters[0].prometheus,
						*f = &c->exporters[1].prometheus;

	ck_assert_uint_eq(d->endpoint.port, 8889);
	ck_assert_ptr_null(d->namespace_);
	ck_assert_uint_eq(d->metric_expiration_ns, 300 * S);
	ck_assert(d->add_metric_suffixes && !d->send_timestamps && !d->enable_open_metrics &&
		  !d->resource_to_telemetry);
	ck_assert_str_eq(f->namespace_, "apps");
	ck_assert_uint_eq(f->n_const_labels, 2);
	ck_assert_str_eq(f->const_labels[1].name, "Region_1"); /* label names keep their case */
	ck_assert_str_eq(f->const_labels[1].value, "eu");
	ck_assert(f->resource_to_telemetry && !f->add_metric_suffixes && f->send_timestamps &&
		  f->enable_open_metrics);
	ck_assert_uint_eq(f->metric_expiration_ns, 60 * S);
	config_free(c);
}
END_TEST

START_TEST(spanmetrics_defaults_and_keys)
{
	static const uint64_t def_ms[] = { 2,	4,   6,	   8,	 10,   50,   100,   200,
					   400, 800, 1000, 1400, 2000, 5000, 10000, 15000 };
	struct sluice_config *c = load_ok(
		"connectors:\n"
		"  spanmetrics: {}\n"
		"  spanmetrics/red:\n"
		"    namespace: ''\n"
		"    histogram:\n"
		"      unit: s\n"
		"      explicit: {buckets: [5ms, 2.5s, 1m]}\n"
		"    dimensions: [{name: http.method, default: GET}, {name: http.status_code}]\n"
		"    exclude_dimensions: [status.code]\n"
		"    resource_metrics_key_attributes: [service.name]\n"
		"    aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA\n"
		"    metrics_flush_interval: 1s\n"
		"    metrics_expiration: 5m\n"
		"    aggregation_cardinality_limit: 5000\n"
		"    exemplars: {enabled: true, max_per_data_point: 2}\n"
		"    delta_temporality: {metric_timestamp_cache_size: 7}\n"
		"  spanmetrics/exp: {histogram: {exponential: {max_size: 40}, disable: true}}\n");
	const struct sluice_spanmetrics *d = &c->connectors[0].spanmetrics,
					*r = &c->connectors[1].spanmetrics,
					*e = &c->connectors[2].spanmetrics;

	ck_assert_int_eq(c->connectors[0].type, SLUICE_CONN_SPANMETRICS);
	ck_assert_str_eq(d->namespace_, "traces.span.metrics");
	ck_assert_int_eq(d->histogram_unit, SLUICE_UNIT_MS);
	ck_assert(!d->exponential && !d->histogram_disable);
	ck_assert_uint_eq(d->exponential_max_size, 160);
	ck_assert_uint_eq(d->n_buckets, 16);
	for (int i = 0; i < 16; i++)
		ck_assert_uint_eq(d->buckets_ns[i], def_ms[i] * MS);
	ck_assert_int_eq(d->temporality, SLUICE_TEMPORALITY_CUMULATIVE);
	ck_assert_uint_eq(d->metrics_flush_interval_ns, 15 * S);
	ck_assert_uint_eq(d->metrics_expiration_ns, 0);
	ck_assert_uint_eq(d->aggregation_cardinality_limit, 0);
	ck_assert(!d->exemplars_enabled);
	ck_assert_uint_eq(d->exemplars_max_per_data_point, 5);
	ck_assert_uint_eq(d->dimensions_cache_size, 1000);

	ck_assert_str_eq(r->namespace_, "");
	ck_assert_int_eq(r->histogram_unit, SLUICE_UNIT_S);
	ck_assert_uint_eq(r->n_buckets, 3);
	ck_assert_uint_eq(r->buckets_ns[1], 2500 * MS);
	ck_assert_uint_eq(r->buckets_ns[2], 60 * S);
	ck_assert_uint_eq(r->n_dimensions, 2);
	ck_assert_str_eq(r->dimensions[0].default_value, "GET");
	ck_assert_ptr_null(r->dimensions[1].default_value);
	ck_assert_str_eq(r->exclude_dimensions[0], "status.code");
	ck_assert_str_eq(r->resource_metrics_key_attributes[0], "service.name");
	ck_assert_int_eq(r->temporality, SLUICE_TEMPORALITY_DELTA);
	ck_assert_uint_eq(r->metrics_flush_interval_ns, 1 * S);
	ck_assert_uint_eq(r->metrics_expiration_ns, 300 * S);
	ck_assert_uint_eq(r->aggregation_cardinality_limit, 5000);
	ck_assert(r->exemplars_enabled);
	ck_assert_uint_eq(r->exemplars_max_per_data_point, 2);
	ck_assert_uint_eq(r->metric_timestamp_cache_size, 7);

	ck_assert(e->exponential && e->histogram_disable);
	ck_assert_uint_eq(e->exponential_max_size, 40);
	config_free(c);
}
END_TEST

START_TEST(filter_forms)
{
	struct sluice_config *c = load_ok(
		"processors:\n"
		"  filter/logs:\n"
		"    logs:\n"
		"      include: {match_type: regexp, severity_texts: ['^ERR'], bodies: ['timeout'],"
		" record_attributes: [{key: k, value: v.*}], resource_attributes: [{key: host}]}\n"
		"      exclude: {severity_number: {min: warn2, match_undefined: true}}\n"
		"    metrics:\n"
		"      exclude: {match_type: strict, metric_names: [a, b], resource_attributes: [{key: env, value: dev}]}\n"
		"  filter/ottl:\n"
		"    error_mode: silent\n"
		"    traces: {span: ['kind == SPAN_KIND_INTERNAL'], spanevent: ['name == \"x\"']}\n"
		"    logs: {log_record: ['severity_number < 9']}\n"
		"    metrics: {metric: ['name == \"m\"'], datapoint: ['attributes[\"a\"] == nil']}\n"
		"  filter/num: {logs: {include: {severity_number: {min: 21}}}}\n"
		"service: {pipelines: {logs: {processors: [filter/logs, filter/ottl, filter/num]}}}\n");
	const struct sluice_filter *l = &c->processors[0].filter, *o = &c->processors[1].filter;

	ck_assert(l->logs_include.present && l->logs_exclude.present && l->metrics_exclude.present);
	ck_assert(!l->include.present && !l->metrics_include.present);
	ck_assert_int_eq(l->logs_include.match_type, SLUICE_MATCH_REGEXP);
	ck_assert_str_eq(l->logs_include.severity_texts_re[0].posix, "^ERR");
	ck_assert_str_eq(l->logs_include.bodies[0], "timeout");
	ck_assert_str_eq(l->logs_include.record_attributes[0].regex.source, "v.*");
	ck_assert_uint_eq(l->logs_include.n_resource_attributes, 1);
	ck_assert(l->logs_exclude.has_severity_number && l->logs_exclude.severity_match_undefined);
	ck_assert_uint_eq(l->logs_exclude.severity_number_min, 14); /* WARN2 */
	ck_assert_uint_eq(l->metrics_exclude.n_metric_names, 2);
	ck_assert_int_eq(l->metrics_exclude.resource_attributes[0].value.type, SLUICE_VALUE_STRING);
	ck_assert_uint_eq(c->processors[2].filter.logs_include.severity_number_min, 21);

	ck_assert_int_eq(o->error_mode, SLUICE_ERROR_MODE_SILENT);
	ck_assert_uint_eq(o->span.n, 1);
	ck_assert_str_eq(o->span.items[0].text, "kind == SPAN_KIND_INTERNAL");
	ck_assert_int_eq(o->span.items[0].context, SLUICE_OTTL_SPAN);
	ck_assert_int_eq(o->spanevent.items[0].context, SLUICE_OTTL_SPANEVENT);
	ck_assert_int_eq(o->log_record.items[0].context, SLUICE_OTTL_LOG);
	ck_assert_int_eq(o->metric.items[0].context, SLUICE_OTTL_METRIC);
	ck_assert_int_eq(o->datapoint.items[0].context, SLUICE_OTTL_DATAPOINT);
	ck_assert_ptr_nonnull(o->span.items[0].parsed); /* parsed at load (config/ottl.h) */
	ck_assert_uint_eq(o->span.items[0].line, 10);
	ck_assert_uint_eq(o->span.items[0].col, 22); /* inside the quote */
	ck_assert(o->span.items[0].quoted);
	config_free(c);
}
END_TEST

/* A condition's offsets map back to the file through every YAML quoting. */
START_TEST(ottl_positions)
{
	struct sluice_config *c = load_ok(
		"processors:\n"
		"  filter:\n"
		"    traces:\n"
		"      span:\n"
		"        - name == \"a\"\n"				       /* 5: plain */
		"        - 'name == \"it''s\"'\n"			       /* 6: single-quoted, '' */
		"        - \"name == \\\"\\u00e9\\\" or name == \\\"x\\\"\"\n" /* 7: double-quoted escapes */
		"        - |\n"						       /* 8: literal block */
		"          kind == 1 or\n"
		"          kind == 2\n"
		"        - name ==\n" /* 11: folded plain */
		"          \"c\"\n"
		"        - 'name == \"é\" or kind == 1'\n" /* 13: UTF-8 */
		"service: {pipelines: {traces: {processors: [filter]}}}\n");
	const struct sluice_ottl_list *l = &c->processors[0].filter.span;
	unsigned line, col;

	ck_assert_uint_eq(l->n, 6);
	/* plain: column k of the text is column col + k */
	ck_assert_uint_eq(l->items[0].line, 5);
	ck_assert_uint_eq(l->items[0].col, 11);
	ck_assert(!l->items[0].quoted);
	config_ottl_position(&l->items[0], 8, &line, &col); /* "a" */
	ck_assert_uint_eq(line, 5);
	ck_assert_uint_eq(col, 19);
	/* '' is one character of text, two in the file */
	ck_assert_str_eq(l->items[1].text, "name == \"it's\"");
	ck_assert_uint_eq(l->items[1].col, 12);
	config_ottl_position(&l->items[1], 13, &line, &col); /* the '"' after it's */
	ck_assert_uint_eq(col, 26);
	/* \" and \u00e9 (two bytes of text, six characters in the file) */
	ck_assert_str_eq(l->items[2].text, "name == \"\xc3\xa9\" or name == \"x\"");
	config_ottl_position(&l->items[2], 11, &line, &col); /* the closing quote of "é" */
	ck_assert_uint_eq(line, 7);
	ck_assert_uint_eq(col, 12 + 8 + 2 + 6);
	config_ottl_position(&l->items[2], 16, &line, &col); /* the second "name" */
	ck_assert_uint_eq(col, 12 + 8 + 2 + 6 + 2 + 4);
	/* literal block: text starts on the next line */
	ck_assert_str_eq(l->items[3].text, "kind == 1 or\nkind == 2\n");
	ck_assert_uint_eq(l->items[3].line, 9);
	ck_assert_uint_eq(l->items[3].col, 11);
	config_ottl_position(&l->items[3], 13, &line, &col); /* the second "kind" */
	ck_assert_uint_eq(line, 10);
	ck_assert_uint_eq(col, 11);
	/* folded plain scalar: the line break reads as one space */
	ck_assert_str_eq(l->items[4].text, "name == \"c\"");
	config_ottl_position(&l->items[4], 8, &line, &col);
	ck_assert_uint_eq(line, 12);
	ck_assert_uint_eq(col, 11);
	/* a two-byte character is one column */
	config_ottl_position(&l->items[5], 13, &line, &col); /* "or" after "é" and a space */
	ck_assert_uint_eq(line, 13);
	ck_assert_uint_eq(col, 12 + 8 + 4);
	config_free(c);

	/* a statement's condition starts after "where" */
	c = load_ok(
		"connectors: {routing: {table: [{statement: 'route() where  attributes[\"x\"] == \"y\"', pipelines: [t]}]}}\n");
	const struct sluice_ottl *s = &c->connectors[0].routing.table[0].condition;
	ck_assert_str_eq(s->text, "attributes[\"x\"] == \"y\"");
	ck_assert_uint_eq(s->line, 1);
	ck_assert_uint_eq(s->col, 45 + 15);
	config_ottl_position(s, 5, &line, &col);
	ck_assert_uint_eq(col, 45 + 15 + 5);
	config_free(c);

	/* a substituted value maps to its start */
	setenv("SLUICE_T_COND", "name == \"z\"", 1);
	c = load_ok(
		"processors: {filter: {traces: {span: ['${SLUICE_T_COND}']}}}\nservice: {pipelines: {traces: {processors: []}}}\n");
	config_ottl_position(&c->processors[0].filter.span.items[0], 6, &line, &col);
	ck_assert_uint_eq(line, 1);
	ck_assert_uint_eq(col, 40);
	config_free(c);
	unsetenv("SLUICE_T_COND");
}
END_TEST

START_TEST(sampler_and_extras)
{
	struct sluice_config *c = load_ok(
		"processors: {probabilistic_sampler: {sampling_percentage: 10, attribute_source: record, from_attribute: user}}\n"
		"sluice: {stall_timeout: 0s, restart_stalled: false}\n"
		"service: {pipelines: {logs: {processors: [probabilistic_sampler]}}}\n");

	ck_assert_int_eq(c->processors[0].sampler.attribute_source, SLUICE_SOURCE_RECORD);
	ck_assert_str_eq(c->processors[0].sampler.from_attribute, "user");
	ck_assert_uint_eq(c->stall_timeout_ns, 0);
	ck_assert(!c->restart_stalled);
	config_free(c);
	c = load_ok("");
	ck_assert_uint_eq(c->stall_timeout_ns, 10 * S);
	ck_assert(c->restart_stalled);
	config_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_signals");
	TCase *t = tcase_create("load");

	tcase_add_test(t, pipelines_of_every_signal);
	tcase_add_test(t, otlp_exporters_tls_and_compression);
	tcase_add_test(t, receiver_tls_and_paths);
	tcase_add_test(t, prometheus_exporter);
	tcase_add_test(t, spanmetrics_defaults_and_keys);
	tcase_add_test(t, filter_forms);
	tcase_add_test(t, ottl_positions);
	tcase_add_test(t, sampler_and_extras);
	suite_add_tcase(s, t);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
