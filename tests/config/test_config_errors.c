/* Every class of config error, with the exact message a user reads:
 * "FILE:LINE:COL: what was expected, what was found". One line a case. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "tests/check_run.h"

struct ecase {
	const char *name;
	const char *yaml;
	const char *msg; /* after "t.yaml:" */
};

static const struct ecase cases[] = {
	/* YAML itself */
	{ "syntax", "a: [\n",
	  "2:1: YAML syntax error: did not find expected node content while parsing a flow node" },
	{ "tab indent", "sluice:\n\tinstance: x\n",
	  "2:1: YAML syntax error: found character that cannot start any token while scanning for the next token" },
	{ "alias", "receivers: &a {}\nprocessors: *a\n", "2:13: YAML aliases (*a) are not supported" },
	{ "two documents", "---\nsluice: {}\n---\nsluice: {}\n",
	  "3:1: more than one YAML document (expected one)" },
	{ "not a mapping", "- a\n", "1:1: the document: expected a mapping, got a sequence" },
	{ "NUL in scalar", "sluice: {instance: \"a\\0b\"}\n", "1:20: NUL character (\\0) in a scalar" },
	{ "complex key", "? [a]\n: 1\n", "1:3: expected a scalar key, got a sequence" },
	/* unknown and duplicate keys */
	{ "unknown top key", "recievers: {}\n",
	  "1:1: unknown key \"recievers\" at top level (expected one of: receivers, processors, exporters, connectors, service, sluice, extensions)" },
	{ "unknown nested key", "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpont: x\n",
	  "5:9: unknown key \"endpont\" in receivers.otlp.protocols.grpc (expected one of: endpoint, max_recv_msg_size_mib, max_concurrent_streams, tls)" },
	{ "duplicate key", "processors:\n  batch:\n    timeout: 1s\n    timeout: 2s\n",
	  "4:5: duplicate key \"timeout\" in processors.batch" },
	{ "unknown ring", "sluice: {rings: {ingest: 1MiB}}\n",
	  "1:18: unknown key \"ingest\" in sluice.rings (expected one of: ingest_process, process_batch, batch_export)" },
	/* wrong types */
	{ "not an integer", "processors:\n  batch:\n    send_batch_size: abc\n",
	  "3:22: processors.batch.send_batch_size: expected an unsigned integer, got \"abc\"" },
	{ "negative integer", "processors: {batch: {send_batch_size: -1}}\n",
	  "1:39: processors.batch.send_batch_size: expected an unsigned integer, got \"-1\"" },
	{ "mapping for scalar", "sluice: {instance: {a: 1}}\n",
	  "1:20: sluice.instance: expected a string, got a mapping" },
	{ "scalar for mapping", "receivers: {otlp: 5}\n",
	  "1:19: receivers.otlp: expected a mapping, got \"5\"" },
	{ "bad bool", "exporters: {otlp: {endpoint: 'h:1', retry_on_failure: {enabled: yes}}}\n",
	  "1:65: exporters.otlp.retry_on_failure.enabled: expected true or false, got \"yes\"" },
	{ "bad number", "processors: {probabilistic_sampler: {sampling_percentage: 1e}}\n",
	  "1:59: processors.probabilistic_sampler.sampling_percentage: expected a number, got \"1e\"" },
	{ "duration without unit", "processors: {batch: {timeout: 5}}\n",
	  "1:31: processors.batch.timeout: expected a duration like 200ms, 5s, 1m, 1h, got \"5\"" },
	{ "bad size unit", "sluice: {ring_bytes: 64mb}\n",
	  "1:22: sluice.ring_bytes: expected a size like 4096, 512KiB, 64MiB, got \"64mb\"" },
	{ "list for string", "exporters: {file: {path: [a]}}\n",
	  "1:26: exporters.file.path: expected a string, got a sequence" },
	/* out of range */
	{ "duration too long", "processors:\n  batch:\n    timeout: 2h\n",
	  "3:14: processors.batch.timeout: 2h is out of range (expected 0s..1h)" },
	{ "duration overflow", "processors: {batch: {timeout: 99999999999h}}\n",
	  "1:31: processors.batch.timeout: 99999999999h is out of range (expected 0s..1h)" },
	{ "size too small", "receivers: {otlp: {protocols: {http: {max_request_body_size: 10}}}}\n",
	  "1:62: receivers.otlp.protocols.http.max_request_body_size: 10 is out of range (expected 1KiB..1GiB)" },
	{ "integer too big",
	  "receivers: {otlp: {protocols: {grpc: {max_concurrent_streams: 99999999999999999999999}}}}\n",
	  "1:63: receivers.otlp.protocols.grpc.max_concurrent_streams: 99999999999999999999999 is out of range (expected 1..10000)" },
	{ "percentage", "processors: {probabilistic_sampler: {sampling_percentage: 101}}\n",
	  "1:59: processors.probabilistic_sampler.sampling_percentage: 101 is out of range (expected 0..100)" },
	{ "ring not power of two", "sluice:\n  ring_bytes: 100MiB\n",
	  "2:15: sluice.ring_bytes: 100MiB is not a power of two (e.g. 32MiB, 64MiB, 128MiB)" },
	{ "ring too small", "sluice: {ring_bytes: 4KiB}\n",
	  "1:22: sluice.ring_bytes: 4KiB is out of range (expected 64KiB..16GiB)" },
	{ "port", "receivers: {otlp: {protocols: {grpc: {endpoint: 'h:70000'}}}}\n",
	  "1:49: receivers.otlp.protocols.grpc.endpoint: port 70000 is out of range (expected 0..65535)" },
	{ "endpoint without port", "service: {telemetry: {metrics: {address: localhost}}}\n",
	  "1:42: service.telemetry.metrics.address: expected host:port, got \"localhost\" (no port)" },
	/* enums */
	{ "bad verbosity", "exporters:\n  debug:\n    verbosity: loud\n",
	  "3:16: exporters.debug.verbosity: expected one of basic, normal, detailed; got \"loud\"" },
	{ "bad compression", "exporters: {otlp: {endpoint: 'h:1', compression: lz4}}\n",
	  "1:50: exporters.otlp.compression: expected one of none, gzip, zstd, deflate, zlib, snappy; got \"lz4\"" },
	{ "bad action", "processors: {attributes: {actions: [{key: a, action: rename}]}}\n",
	  "1:54: processors.attributes.actions[0].action: expected one of insert, update, upsert, delete, hash, extract; got \"rename\"" },
	{ "bad span kind", "processors: {filter: {spans: {include: {span_kinds: [foo]}}}}\n",
	  "1:54: processors.filter.spans.include.span_kinds: expected one of SPAN_KIND_UNSPECIFIED, SPAN_KIND_INTERNAL, SPAN_KIND_SERVER, SPAN_KIND_CLIENT, SPAN_KIND_PRODUCER, SPAN_KIND_CONSUMER (or lower-case unspecified, ...); got \"foo\"" },
	{ "bad log level", "service: {telemetry: {logs: {level: trace}}}\n",
	  "1:37: service.telemetry.logs.level: expected one of error, warn, info, debug; got \"trace\"" },
	/* components and the pipeline */
	{ "unknown processor type", "processors:\n  tail_sampling/x: {}\n",
	  "2:3: unknown processor type \"tail_sampling\" in \"tail_sampling/x\" (supported: filter, probabilistic_sampler, attributes, resource, span, batch)" },
	{ "unknown exporter type", "exporters: {kafka: {}}\n",
	  "1:13: unknown exporter type \"kafka\" in \"kafka\" (supported: otlphttp, otlp_http, otlp, otlp_grpc, debug, file, prometheus)" },
	{ "unknown receiver type", "receivers: {jaeger: {}}\n",
	  "1:13: unknown receiver type \"jaeger\" in \"jaeger\" (supported: otlp)" },
	{ "empty name", "processors: {batch/: {}}\n",
	  "1:14: processor id \"batch/\" has an empty name after \"/\"" },
	{ "undefined processor", "service:\n  pipelines:\n    traces:\n      processors: [filter/x]\n",
	  "4:20: service.pipelines.traces.processors: processor \"filter/x\" is not defined under processors (none defined)" },
	{ "undefined exporter",
	  "exporters: {debug: {}}\nservice: {pipelines: {traces: {exporters: [debug, otlp]}}}\n",
	  "2:51: service.pipelines.traces.exporters: exporter \"otlp\" is not defined under exporters (defined: debug)" },
	{ "undefined receiver", "service: {pipelines: {traces: {receivers: [otlp/b]}}}\n",
	  "1:44: service.pipelines.traces.receivers: receiver \"otlp/b\" is not defined under receivers (none defined)" },
	{ "listed twice",
	  "processors: {batch: {}}\nservice: {pipelines: {traces: {processors: [batch, batch]}}}\n",
	  "2:52: service.pipelines.traces.processors: processor \"batch\" is listed twice" },
	{ "batch not last",
	  "processors: {batch: {}, probabilistic_sampler: {}}\nservice: {pipelines: {traces: {processors: [batch, probabilistic_sampler]}}}\n",
	  "2:45: service.pipelines.traces.processors[0]: the batch processor \"batch\" must be the last one" },
	{ "processors not listed", "processors: {filter: {spans: {}}}\n",
	  "1:13: service.pipelines.traces.processors: not given, but processors are defined; list the ones to run, in order" },
	{ "no exporters", "service: {pipelines: {traces: {exporters: []}}}\n",
	  "1:43: service.pipelines.traces.exporters: expected at least one exporter" },
	{ "extensions", "extensions: {health_check: {}}\n",
	  "1:13: extensions: not supported by sluice (remove this section)" },
	{ "service extensions", "service: {extensions: [health_check]}\n",
	  "1:23: service.extensions: sluice has no extensions (its /metrics and /health are on service.telemetry.metrics.address)" },
	/* component rules */
	{ "no protocols", "receivers: {otlp: {protocols: {}}}\n",
	  "1:31: receivers.otlp.protocols: expected at least one of grpc, http" },
	{ "empty match",
	  "processors: {filter: {spans: {include: {}}}}\nservice: {pipelines: {traces: {processors: [filter]}}}\n",
	  "1:40: processors.filter.spans.include: no match properties (expected at least one of: services, span_names, span_kinds, status_codes, attributes, resources, min_duration, max_duration)" },
	{ "min over max", "processors: {filter: {spans: {exclude: {min_duration: 2s, max_duration: 1s}}}}\n",
	  "1:55: processors.filter.spans.exclude: min_duration is greater than max_duration" },
	{ "bad regexp",
	  "processors: {filter: {spans: {include: {match_type: regexp, span_names: ['(a']}}}}\n",
	  "1:74: processors.filter.spans.include.span_names[0]: bad regexp \"(a\": Unmatched ( or \\(" },
	{ "unsupported regexp group", "processors: {span: {name: {to_attributes: {rules: ['(?i)a']}}}}\n",
	  "1:52: processors.span.name.to_attributes.rules[0]: bad regexp \"(?i)a\": \"(?\" is only supported as (?P<name>...) or (?:...)" },
	{ "regexp too large",
	  "processors: {span: {name: {to_attributes: {rules: ['(?P<a>x{32767}){32767}']}}}}\n",
	  "1:52: processors.span.name.to_attributes.rules[0]: regexp \"(?P<a>x{32767}){32767}\" is too large (more than 10000 items once repetitions are expanded)" },
	{ "regexp nested repeats",
	  "processors: {span: {name: {to_attributes: {rules: ['(?P<a>((x{30}){30}){30})']}}}}\n",
	  "1:52: processors.span.name.to_attributes.rules[0]: regexp \"(?P<a>((x{30}){30}){30})\" is too large (more than 10000 items once repetitions are expanded)" },
	{ "regexp stacked plus",
	  "processors: {span: {name: {to_attributes: {rules: ['(?P<a>x)++++++++++++++++++++']}}}}\n",
	  "1:52: processors.span.name.to_attributes.rules[0]: bad regexp \"(?P<a>x)++++++++++++++++++++\": invalid nested repetition operator at \"++++++++\"" },
	{ "regexp plus doubling",
	  "processors: {span: {name: {to_attributes: {rules: ['(?P<a>((((((((((((((x+)+)+)+)+)+)+)+)+)+)+)+)+)+)']}}}}\n",
	  "1:52: processors.span.name.to_attributes.rules[0]: regexp \"(?P<a>((((((((((((((x+)+)+)+)+)+)+)+)+)+)+)+)+)+)\" is too large (more than 10000 items once repetitions are expanded)" },
	{ "regexp nested repetition (fuzzer: slow regcomp)",
	  "processors: {filter: {spans: {include: {match_type: regexp, span_names: ['m++;x*{2}']}}}}\n",
	  "1:74: processors.filter.spans.include.span_names[0]: bad regexp \"m++;x*{2}\": invalid nested repetition operator at \"+;x*{2}\"" },
	{ "regexp back-reference", "processors: {span: {name: {to_attributes: {rules: ['(?P<a>x)\\1']}}}}\n",
	  "1:52: processors.span.name.to_attributes.rules[0]: bad regexp \"(?P<a>x)\\1\": back-references (\\1) are not supported" },
	{ "lazy repeat where groups are extracted (span)",
	  "processors: {span: {name: {to_attributes: {rules: ['^(?P<a>.*?)/(?P<b>.*)$']}}}}\n",
	  "1:52: processors.span.name.to_attributes.rules[0]: bad regexp \"^(?P<a>.*?)/(?P<b>.*)$\": lazy repeat at \"*?)/(?P<\" (x*?, x+?, x??, x{n,m}?) is not supported where groups are extracted: POSIX regular expressions have no lazy repeats and the greedy form would capture other text; bound the group instead (e.g. [^/]* for .*?)" },
	{ "lazy repeat where groups are extracted (attributes)",
	  "processors: {attributes: {actions: [{key: u, pattern: '(?P<n>x{1,3}?)', action: extract}]}}\n",
	  "1:55: processors.attributes.actions[0].pattern: bad regexp \"(?P<n>x{1,3}?)\": lazy repeat at \"}?)\" (x*?, x+?, x??, x{n,m}?) is not supported where groups are extracted: POSIX regular expressions have no lazy repeats and the greedy form would capture other text; bound the group instead (e.g. [^/]* for .*?)" },
	{ "extract without names",
	  "processors: {attributes: {actions: [{key: u, pattern: '(a)', action: extract}]}}\n",
	  "1:55: processors.attributes.actions[0].pattern: regexp \"(a)\" has no named group (?P<name>...) to extract" },
	{ "action without action", "processors: {attributes: {actions: [{key: a, value: 1}]}}\n",
	  "1:37: processors.attributes.actions[0]: \"action\" is required (insert, update, upsert, delete, hash, extract)" },
	{ "insert without value", "processors: {attributes: {actions: [{key: a, action: insert}]}}\n",
	  "1:37: processors.attributes.actions[0]: action insert needs exactly one of \"value\", \"from_attribute\"" },
	{ "delete with value", "processors: {attributes: {actions: [{key: a, value: 1, action: delete}]}}\n",
	  "1:53: processors.attributes.actions[0]: \"value\" is not used by action delete" },
	{ "span without name", "processors: {span: {}}\n",
	  "1:20: processors.span: expected name.from_attributes or name.to_attributes.rules" },
	{ "batch max below size",
	  "processors:\n  batch:\n    send_batch_size: 100\n    send_batch_max_size: 10\n",
	  "4:26: processors.batch: send_batch_max_size (10) must be 0 or at least send_batch_size (100)" },
	{ "retry intervals",
	  "exporters: {otlp: {endpoint: 'h:1', retry_on_failure: {initial_interval: 1m, max_interval: 1s}}}\n",
	  "1:55: exporters.otlp.retry_on_failure: initial_interval is greater than max_interval" },
	{ "endpoint required", "exporters: {otlphttp: {}}\n",
	  "1:23: exporters.otlphttp: \"endpoint\" is required" },
	{ "ftp", "exporters:\n  otlphttp:\n    endpoint: ftp://x\n",
	  "3:15: exporters.otlphttp.endpoint: expected a URL like http://host:4318 or https://host, got \"ftp://x\"" },
	{ "no scheme", "exporters: {otlphttp: {endpoint: 'backend:4318'}}\n",
	  "1:34: exporters.otlphttp.endpoint: expected a URL like http://host:4318 or https://host, got \"backend:4318\"" },
	{ "grpc path", "exporters: {otlp: {endpoint: 'h:1/x'}}\n",
	  "1:30: exporters.otlp.endpoint: a gRPC endpoint has no path (expected host:port)" },
	{ "tls unknown key", "exporters: {otlp: {endpoint: 'h:1', tls: {ca: x}}}\n",
	  "1:43: unknown key \"ca\" in exporters.otlp.tls (expected one of: ca_file, ca_pem, cert_file, cert_pem, key_file, key_pem, min_version, max_version, reload_interval, insecure, insecure_skip_verify, include_system_ca_certs_pool, server_name_override)" },
	{ "header name", "exporters: {otlp: {endpoint: 'h:1', headers: {'a b': c}}}\n",
	  "1:47: exporters.otlp.headers: bad header name \"a b\"" },
	{ "31 headers",
	  "exporters: {otlp: {endpoint: 'h:1', headers: {h0: v, h1: v, h2: v, h3: v, h4: v, h5: v, h6: v, h7: v, h8: v, h9: v, h10: v, h11: v, h12: v, h13: v, h14: v, h15: v, h16: v, h17: v, h18: v, h19: v, h20: v, h21: v, h22: v, h23: v, h24: v, h25: v, h26: v, h27: v, h28: v, h29: v, h30: v}}}\n",
	  "1:277: exporters.otlp.headers: at most 30 headers" },
	{ "relative path", "exporters: {file: {path: out.bin}}\n",
	  "1:26: exporters.file.path: expected an absolute path, got \"out.bin\"" },
	{ "file path required", "exporters: {file: {}}\n", "1:19: exporters.file: \"path\" is required" },
	{ "instance", "sluice:\n  instance: \"a b\"\n",
	  "2:13: sluice.instance: expected 1 to 32 of A-Z a-z 0-9 _ . - (not starting with .), got \"a b\"" },
	{ "restart backoff", "sluice: {restart: {backoff_initial: 1m, backoff_max: 1s}}\n",
	  "1:19: sluice.restart: backoff_initial is greater than backoff_max" },
	/* checks across sections */
	{ "body over ring", "sluice:\n  ring_bytes: 1MiB\n",
	  "2:15: receivers.otlp: http max_request_body_size 20MiB does not fit one record of the ingest_process ring (1MiB holds records up to 524224); raise sluice.rings.ingest_process or lower the limit" },
	{ "batch over ring",
	  "processors:\n  batch: {send_batch_max_bytes: 64MiB}\nsluice: {rings: {batch_export: 64MiB}}\n",
	  "2:3: processors.batch: send_batch_max_bytes 64MiB does not fit one record of the batch_export ring (64MiB holds records up to 33554368); raise sluice.rings.batch_export or lower the limit" },
	/* environment */
	{ "unset variable",
	  "exporters:\n  otlphttp:\n    endpoint: http://x\n    headers:\n      a: ${env:SLUICE_TEST_UNSET_VAR}\n",
	  "5:10: environment variable \"SLUICE_TEST_UNSET_VAR\" is not set" },
	{ "unterminated reference", "sluice: {instance: '${env:X'}\n",
	  "1:20: unterminated \"${\" (expected ${env:NAME} or ${NAME})" },
	{ "bad reference", "sluice: {instance: '${1X}'}\n",
	  "1:20: bad variable reference \"${1X}\" (expected ${env:NAME} or ${NAME}, NAME of letters, digits, _)" },
};

START_TEST(error_message)
{
	const struct ecase *c = &cases[_i];
	struct sluice_config *cfg = (struct sluice_config *)1;
	struct config_error err;
	char want[600];
	int rc;

	unsetenv("SLUICE_TEST_UNSET_VAR");
	rc = config_load_buffer("t.yaml", c->yaml, strlen(c->yaml), &cfg, &err);
	ck_assert_msg(rc == -EINVAL, "%s: rc %d (%s)", c->name, rc, err.msg);
	ck_assert_ptr_null(cfg);
	snprintf(want, sizeof(want), "t.yaml:%s", c->msg);
	ck_assert_msg(strcmp(err.msg, want) == 0, "%s:\n got  %s\n want %s", c->name, err.msg, want);
	/* the position fields agree with the message */
	unsigned line = 0, col = 0;
	ck_assert_int_eq(sscanf(c->msg, "%u:%u:", &line, &col), 2);
	ck_assert_uint_eq(err.line, line);
	ck_assert_uint_eq(err.col, col);
}
END_TEST

START_TEST(limits)
{
	struct sluice_config *cfg;
	struct config_error err;
	size_t big = CONFIG_MAX_FILE_BYTES + 1;
	char *buf = malloc(big);
	int rc;

	ck_assert_ptr_nonnull(buf);
	memset(buf, '#', big);
	ck_assert_int_eq(config_load_buffer("big.yaml", buf, big, &cfg, &err), -EFBIG);
	ck_assert_str_eq(err.msg, "big.yaml: larger than 4194304 bytes");

	/* deep nesting is refused, not recursed into */
	size_t n = 0;
	for (int i = 0; i < 200; i++)
		buf[n++] = '[';
	rc = config_load_buffer("deep.yaml", buf, n, &cfg, &err);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_str_eq(err.msg, "deep.yaml:1:66: nesting deeper than 64 levels");
	free(buf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_errors");
	TCase *t = tcase_create("errors");

	tcase_add_loop_test(t, error_message, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(t, limits);
	suite_add_tcase(s, t);
	/* pure table cases: one process, not a fork a case (under ASan a fork
	 * of this test costs ~0.2 s, hundreds of them near the timeout) */
	return check_run(s, CK_NOFORK) ? 1 : 0;
}
