/* The new keys' errors with the exact FILE:LINE:COL message: TLS blocks,
 * compression, the prometheus exporter, the filter processor's log,
 * metric and OTTL forms, routing entries, spanmetrics, sluice extras.
 * One line a case. */
#include "tests/config/cfgtest.h"
#include "tests/check_run.h"

#define GRPC "exporters:\n  otlp:\n    endpoint: h:1\n"

static const struct ecase cases[] = {
	/* exporter TLS */
	{ "ca file unreadable", GRPC "    tls: {ca_file: /nonexistent/ca.pem}\n",
	  "4:20: exporters.otlp.tls.ca_file: cannot read \"/nonexistent/ca.pem\": No such file or directory" },
	{ "ca file is a directory", GRPC "    tls: {ca_file: /tmp}\n",
	  "4:20: exporters.otlp.tls.ca_file: \"/tmp\" is not a regular file" },
	{ "ca file relative", GRPC "    tls: {ca_file: ca.pem}\n",
	  "4:20: exporters.otlp.tls.ca_file: expected an absolute path, got \"ca.pem\"" },
	{ "cert without key", GRPC "    tls:\n      cert_file: /nonexistent/c.pem\n",
	  "5:18: exporters.otlp.tls: a client certificate needs its key and a key its certificate (cert_file/cert_pem with key_file/key_pem)" },
	{ "key without cert", GRPC "    tls: {key_pem: x}\n",
	  "4:20: exporters.otlp.tls: a client certificate needs its key and a key its certificate (cert_file/cert_pem with key_file/key_pem)" },
	{ "ca file and pem", GRPC "    tls: {ca_file: /x, ca_pem: y}\n",
	  "4:32: exporters.otlp.tls: give ca_file or ca_pem, not both" },
	{ "pem not pem", GRPC "    tls: {ca_pem: 'hello'}\n",
	  "4:19: exporters.otlp.tls.ca_pem: expected PEM text (\"-----BEGIN ...\")" },
	{ "bad tls version", GRPC "    tls: {min_version: '1.4'}\n",
	  "4:24: exporters.otlp.tls.min_version: expected one of \"\", 1.0, 1.1, 1.2, 1.3; got \"1.4\"" },
	{ "min above max", GRPC "    tls: {min_version: '1.3', max_version: '1.2'}\n",
	  "4:44: exporters.otlp.tls: min_version 1.3 is above max_version 1.2" },
	{ "cipher suites", GRPC "    tls: {cipher_suites: [TLS_AES_128_GCM_SHA256]}\n",
	  "4:26: exporters.otlp.tls.cipher_suites: not supported by sluice: the TLS 1.3 suites are used in Go's order (AES-128-GCM first), the TLS 1.2 list is OpenSSL's with ECDHE AES-128-GCM first" },
	{ "https with insecure",
	  "exporters:\n  otlp_grpc:\n    endpoint: https://h:1\n    tls: {insecure: true}\n",
	  "4:10: exporters.otlp_grpc: tls.insecure is true but the endpoint is https://" },
	/* compression */
	{ "compression level", GRPC "    compression_params: {level: 10}\n",
	  "4:25: exporters.otlp: compression_params.level: 10 is out of range for gzip (expected 1..9)" },
	{ "snappy level", GRPC "    compression: snappy\n    compression_params: {level: 1}\n",
	  "5:25: exporters.otlp: compression_params.level: snappy takes no level" },
	{ "compression level too big", GRPC "    compression_params: {level: 99}\n",
	  "4:33: exporters.otlp.compression_params.level: 99 is out of range (expected 0..19)" },
	{ "json encoding", "exporters: {otlphttp: {endpoint: 'http://h', encoding: json}}\n",
	  "1:56: exporters.otlphttp.encoding: not supported by sluice: only proto (the rings hold protobuf)" },
	{ "auth extension",
	  "exporters: {otlp_http: {endpoint: 'http://h', auth: {authenticator: basicauth}}}\n",
	  "1:53: exporters.otlp_http.auth: not supported by sluice: authenticators are extensions; set a header instead" },
	{ "signal endpoint scheme", "exporters: {otlphttp: {logs_endpoint: 'h:1/v1/logs'}}\n",
	  "1:39: exporters.otlphttp.logs_endpoint: expected a URL like http://host:4318 or https://host, got \"h:1/v1/logs\"" },
	/* receiver TLS and paths */
	{ "server tls needs key", "receivers: {otlp: {protocols: {http: {tls: {cert_file: /x}}}}}\n",
	  "1:44: receivers.otlp.protocols.http.tls: a TLS server needs cert_file and key_file" },
	{ "server cert unreadable",
	  "receivers:\n  otlp:\n    protocols:\n      grpc:\n        tls: {cert_file: /nonexistent/s.pem, key_file: /nonexistent/s.key}\n",
	  "5:26: receivers.otlp.protocols.grpc.tls.cert_file: cannot read \"/nonexistent/s.pem\": No such file or directory" },
	{ "url path without slash", "receivers: {otlp: {protocols: {http: {logs_url_path: v1/logs}}}}\n",
	  "1:54: receivers.otlp.protocols.http.logs_url_path: expected a URL path starting with \"/\", got \"v1/logs\"" },
	{ "url paths equal", "receivers: {otlp: {protocols: {http: {logs_url_path: /v1/traces}}}}\n",
	  "1:54: receivers.otlp.protocols.http: traces_url_path and logs_url_path are both \"/v1/traces\"" },
	/* prometheus */
	{ "prometheus without endpoint", "exporters: {prometheus: {namespace: x}}\n",
	  "1:25: exporters.prometheus: \"endpoint\" is required (host:port to serve /metrics on)" },
	{ "prometheus label name", "exporters: {prometheus: {endpoint: 'h:1', const_labels: {'a-b': c}}}\n",
	  "1:58: exporters.prometheus.const_labels: bad label name \"a-b\"" },
	{ "prometheus tls", "exporters: {prometheus: {endpoint: 'h:1', tls: {cert_file: x}}}\n",
	  "1:48: exporters.prometheus.tls: not supported by sluice: the metrics endpoint serves plain HTTP (scrape it over loopback)" },
	{ "prometheus expiration", "exporters: {prometheus: {endpoint: 'h:1', metric_expiration: 0s}}\n",
	  "1:62: exporters.prometheus.metric_expiration: 0s is out of range (expected 1s..720h)" },
	/* filter: logs and metrics legacy forms, OTTL form */
	{ "filter mixes forms",
	  "processors:\n  filter:\n    spans: {exclude: {span_names: [a]}}\n    traces: {span: ['name == \"a\"']}\n",
	  "4:13: processors.filter: use either OTTL conditions (traces.span, logs.log_record, metrics.metric, ...) or include/exclude, not both in one filter" },
	{ "filter logs severity", "processors: {filter: {logs: {include: {severity_number: {min: LOUD}}}}}\n",
	  "1:63: processors.filter.logs.include.severity_number.min: expected a severity TRACE, TRACE2..4, DEBUG, INFO, WARN, ERROR, FATAL (..4) or 1..24, got \"LOUD\"" },
	{ "filter logs severity min",
	  "processors: {filter: {logs: {include: {severity_number: {match_undefined: true}}}}}\n",
	  "1:57: processors.filter.logs.include.severity_number: \"min\" is required" },
	{ "filter logs empty", "processors: {filter: {logs: {exclude: {match_type: regexp}}}}\n",
	  "1:39: processors.filter.logs.exclude: no match properties (expected at least one of: record_attributes, resource_attributes, severity_texts, severity_number, bodies)" },
	{ "filter logs bad regexp",
	  "processors: {filter: {logs: {exclude: {match_type: regexp, bodies: ['(']}}}}\n",
	  "1:69: processors.filter.logs.exclude.bodies[0]: bad regexp \"(\": Unmatched ( or \\(" },
	{ "filter logs libraries", "processors: {filter: {logs: {include: {libraries: [{name: x}]}}}}\n",
	  "1:51: processors.filter.logs.include.libraries: not supported by sluice: matching by instrumentation scope is not implemented" },
	{ "filter metrics expr",
	  "processors: {filter: {metrics: {include: {match_type: expr, expressions: ['x']}}}}\n",
	  "1:55: processors.filter.metrics.include.match_type: not supported by sluice: expr (write an OTTL condition in metrics.metric instead)" },
	{ "filter metrics empty", "processors: {filter: {metrics: {include: {match_type: strict}}}}\n",
	  "1:42: processors.filter.metrics.include: no match properties (expected at least one of: metric_names, resource_attributes)" },
	{ "filter ottl not a list", "processors: {filter: {traces: {span: {a: b}}}}\n",
	  "1:38: processors.filter.traces.span: expected a sequence, got a mapping" },
	{ "filter empty condition", "processors:\n  filter:\n    logs:\n      log_record:\n        - '  '\n",
	  "5:12: processors.filter.logs.log_record[0]: empty condition" },
	{ "filter error mode", "processors: {filter: {error_mode: loud}}\n",
	  "1:35: processors.filter.error_mode: expected one of propagate, ignore, silent; got \"loud\"" },
	{ "sampler source", "processors: {probabilistic_sampler: {attribute_source: record}}\n",
	  "1:56: processors.probabilistic_sampler: attribute_source record needs from_attribute" },
	/* routing entries */
	{ "routing empty table", "connectors: {routing: {table: []}}\n",
	  "1:31: connectors.routing: \"table\" needs at least one route" },
	{ "routing both forms",
	  "connectors: {routing: {table: [{condition: 'true', statement: 'route() where true', pipelines: [traces]}]}}\n",
	  "1:32: connectors.routing.table[0]: expected exactly one of \"condition\", \"statement\"" },
	{ "routing no pipelines", "connectors: {routing: {table: [{condition: 'true'}]}}\n",
	  "1:32: connectors.routing.table[0]: \"pipelines\" is required (at least one pipeline)" },
	{ "routing bad statement",
	  "connectors:\n  routing:\n    table:\n      - statement: set(attributes[\"x\"], 1)\n        pipelines: [traces]\n",
	  "4:20: connectors.routing.table[0].statement: expected \"route() where <condition>\", got \"set(attributes[\"x\"], 1)\"" },
	{ "routing request context",
	  "connectors: {routing: {table: [{condition: 'true', context: request, pipelines: [traces]}]}}\n",
	  "1:61: connectors.routing.table[0].context: not supported by sluice: request (ingest keeps no request metadata to route by)" },
	{ "routing bad context",
	  "connectors: {routing: {table: [{condition: 'true', context: trace, pipelines: [traces]}]}}\n",
	  "1:61: connectors.routing.table[0].context: expected one of resource, span, spanevent, log, metric, datapoint; got \"trace\"" },
	{ "routing match_once",
	  "connectors: {routing: {match_once: false, table: [{condition: 'true', pipelines: [traces]}]}}\n",
	  "1:36: connectors.routing.match_once: not supported by sluice: the first matching route always wins (the Collector removed match_once: false)" },
	/* OTTL conditions: the parser's fault, at its file column */
	{ "routing condition bad path",
	  "connectors:\n  routing:\n    table:\n      - condition: 'atributes[\"team\"] == \"x\"'\n        pipelines: [traces]\n",
	  "4:21: connectors.routing.table[0].condition: unknown path 'atributes'" },
	{ "filter condition unclosed",
	  "processors:\n  filter:\n    traces:\n      span:\n        - \"name == \\\"a\\\" and (kind == SPAN_KIND_SERVER\"\n",
	  "5:55: processors.filter.traces.span[0]: expected ')' to close the '(' at offset 16, got end of condition" },
	{ "filter condition wrong context",
	  "processors:\n  filter:\n    logs:\n      log_record:\n        - severity_number < SEVERITY_NUMBER_INFO and name == \"x\"\n",
	  "5:54: processors.filter.logs.log_record[0]: path 'name' is not available in the log context" },
	{ "routing empty condition",
	  "connectors: {routing: {table: [{condition: '', pipelines: [traces]}]}}\n",
	  "1:45: connectors.routing.table[0].condition: empty condition" },
	{ "unknown connector", "connectors: {count: {}}\n",
	  "1:14: unknown connector type \"count\" in \"count\" (supported: forward, routing, spanmetrics)" },
	/* spanmetrics */
	{ "spanmetrics both histograms",
	  "connectors:\n  spanmetrics:\n    histogram:\n      explicit: {buckets: [1ms]}\n      exponential: {max_size: 10}\n",
	  "5:20: connectors.spanmetrics.histogram: use either explicit or exponential buckets, not both" },
	{ "spanmetrics buckets order",
	  "connectors: {spanmetrics: {histogram: {explicit: {buckets: [10ms, 5ms]}}}}\n",
	  "1:67: connectors.spanmetrics.histogram.explicit.buckets[1]: buckets must be strictly increasing" },
	{ "spanmetrics bucket unit", "connectors: {spanmetrics: {histogram: {explicit: {buckets: [10]}}}}\n",
	  "1:61: connectors.spanmetrics.histogram.explicit.buckets[0]: expected a duration like 200ms, 5s, 1m, 1h, got \"10\"" },
	{ "spanmetrics unit", "connectors: {spanmetrics: {histogram: {unit: us}}}\n",
	  "1:46: connectors.spanmetrics.histogram.unit: expected one of ms, s; got \"us\"" },
	{ "spanmetrics default dimension",
	  "connectors:\n  spanmetrics:\n    dimensions:\n      - name: http.method\n      - name: span.kind\n",
	  "5:9: connectors.spanmetrics.dimensions[1]: duplicate dimension name span.kind (it is a default dimension)" },
	{ "spanmetrics duplicate dimension",
	  "connectors: {spanmetrics: {dimensions: [{name: a}, {name: a}]}}\n",
	  "1:52: connectors.spanmetrics.dimensions[1]: duplicate dimension name a" },
	{ "spanmetrics dimension without name", "connectors: {spanmetrics: {dimensions: [{default: x}]}}\n",
	  "1:41: connectors.spanmetrics.dimensions[0]: \"name\" is required" },
	{ "spanmetrics exclude", "connectors: {spanmetrics: {exclude_dimensions: [http.method]}}\n",
	  "1:49: connectors.spanmetrics.exclude_dimensions[0]: \"http.method\" is not a default dimension (service.name, span.name, span.kind, status.code)" },
	{ "spanmetrics temporality", "connectors: {spanmetrics: {aggregation_temporality: DELTA}}\n",
	  "1:53: connectors.spanmetrics.aggregation_temporality: expected one of AGGREGATION_TEMPORALITY_CUMULATIVE, AGGREGATION_TEMPORALITY_DELTA; got \"DELTA\"" },
	{ "spanmetrics events", "connectors: {spanmetrics: {events: {enabled: true}}}\n",
	  "1:36: connectors.spanmetrics.events: not supported by sluice: span event metrics (events.enabled) are not implemented" },
	{ "spanmetrics exemplars", "connectors: {spanmetrics: {exemplars: {max_per_data_point: 0}}}\n",
	  "1:60: connectors.spanmetrics.exemplars.max_per_data_point: 0 is out of range (expected 1..10000)" },
	{ "spanmetrics unknown key", "connectors: {spanmetrics: {flush: 1s}}\n",
	  "1:28: unknown key \"flush\" in connectors.spanmetrics (expected one of: namespace, histogram, dimensions, calls_dimensions, exclude_dimensions, resource_metrics_key_attributes, aggregation_temporality, metrics_flush_interval, metrics_expiration, aggregation_cardinality_limit, exemplars, dimensions_cache_size, resource_metrics_cache_size, delta_temporality, add_resource_attributes)" },
	/* sluice extras */
	{ "stall timeout", "sluice: {stall_timeout: 2d}\n",
	  "1:25: sluice.stall_timeout: expected a duration like 200ms, 5s, 1m, 1h, got \"2d\"" },
	{ "restart stalled", "sluice: {restart_stalled: maybe}\n",
	  "1:27: sluice.restart_stalled: expected true or false, got \"maybe\"" },
};

START_TEST(error_message)
{
	check_error_case(&cases[_i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_keys_errors");
	TCase *t = tcase_create("errors");

	tcase_add_loop_test(t, error_message, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	suite_add_tcase(s, t);
	/* pure table cases: one process, not a fork a case (under ASan a fork
	 * of this test costs ~0.2 s, hundreds of them near the timeout) */
	return check_run(s, CK_NOFORK) ? 1 : 0;
}
