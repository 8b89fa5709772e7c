/* The OTTL condition parser: what parses (printed back in the canonical
 * form, which must parse to itself) and what does not (the exact byte
 * offset and message a config error is built from). One line a case. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/arena.h"
#include "config/ottl.h"
#include "tests/check_run.h"

#define RES OTTL_CTX_RESOURCE
#define SPAN OTTL_CTX_SPAN
#define EVT OTTL_CTX_SPANEVENT
#define LOG OTTL_CTX_LOG
#define MET OTTL_CTX_METRIC
#define DP OTTL_CTX_DATAPOINT

struct ok_case {
	enum ottl_context ctx;
	const char *in;
	const char *want; /* canonical form; NULL: the same as in */
};

static const struct ok_case oks[] = {
	/* the routing connector's and the filter processor's usual forms */
	{ RES, "attributes[\"service.name\"] == \"checkout\"", NULL },
	{ RES, "resource.attributes[\"service.name\"] == \"checkout\"",
	  "attributes[\"service.name\"] == \"checkout\"" },
	{ SPAN,
	  "resource.attributes[\"service.name\"] == \"checkout\" or resource.attributes[\"service.name\"] == \"cart\"",
	  NULL },
	{ SPAN, "attributes[\"http.request.method\"] == nil", NULL },
	{ SPAN, "name == \"healthz\" and kind == SPAN_KIND_SERVER", NULL },
	{ SPAN, "status.code == STATUS_CODE_ERROR", NULL },
	{ SPAN, "span.name != \"x\"", "name != \"x\"" },
	{ LOG, "severity_number < SEVERITY_NUMBER_WARN", NULL },
	{ LOG, "log.severity_text == \"DEBUG\" or log.body == \"ping\"",
	  "severity_text == \"DEBUG\" or body == \"ping\"" },
	{ MET, "name == \"http.server.duration\" and type == METRIC_DATA_TYPE_HISTOGRAM", NULL },
	{ MET, "metric.name == \"x\"", "name == \"x\"" },
	{ DP, "metric.name == \"x\" and attributes[\"k\"] >= 2", NULL },
	{ DP, "value_double > 0.5 and metric.aggregation_temporality == AGGREGATION_TEMPORALITY_DELTA",
	  NULL },
	{ DP, "flags == FLAG_NO_RECORDED_VALUE", NULL },
	{ EVT,
	  "name == \"exception\" and span.name == \"GET\" and span.attributes[\"a\"] == 1 and attributes[\"b\"] == 2",
	  NULL },
	{ EVT, "spanevent.name == \"e\" and span.kind == SPAN_KIND_CLIENT",
	  "name == \"e\" and span.kind == SPAN_KIND_CLIENT" },
	{ SPAN,
	  "instrumentation_scope.name == \"io.opentelemetry.jdbc\" and instrumentation_scope.attributes[\"k\"] != nil",
	  NULL },
	/* precedence: not > and > or; parentheses kept where they matter */
	{ SPAN, "name == \"a\" or name == \"b\" and kind == 2",
	  "name == \"a\" or (name == \"b\" and kind == 2)" },
	{ SPAN, "name == \"a\" and name == \"b\" or kind == 2",
	  "(name == \"a\" and name == \"b\") or kind == 2" },
	{ SPAN, "(name == \"a\" or name == \"b\") and kind == 2", NULL },
	{ SPAN, "not name == \"a\" and kind == 2", NULL },
	{ SPAN, "not (name == \"a\" and kind == 2)", NULL },
	{ SPAN, "not (not true)", NULL },
	{ SPAN, "((((name == \"a\"))))", "name == \"a\"" },
	{ SPAN, "kind == 1 or kind == 2 or kind == 3", NULL },
	{ SPAN, "(kind == 1 or kind == 2) or kind == 3", NULL },
	{ SPAN, "true", NULL },
	{ SPAN, "not false", NULL },
	{ SPAN, "true and false or true", "(true and false) or true" },
	/* operators and spacing */
	{ SPAN, "kind==1", "kind == 1" },
	{ SPAN, "kind!=1 and kind<1 and kind<=1 and kind>1 and kind>=1",
	  "kind != 1 and kind < 1 and kind <= 1 and kind > 1 and kind >= 1" },
	{ SPAN, " \t\nkind\r\n==\f1 ", "kind == 1" },
	{ SPAN, "1 == kind", NULL },
	/* literals as OTTL reads them */
	{ SPAN, "attributes[\"x\"] == -42", NULL },
	{ SPAN, "attributes[\"x\"] == +42", "attributes[\"x\"] == 42" },
	{ SPAN, "attributes[\"x\"] == 010", "attributes[\"x\"] == 8" },
	{ SPAN, "attributes[\"x\"] == 9223372036854775807", NULL },
	{ SPAN, "attributes[\"x\"] == -9223372036854775808", NULL },
	{ SPAN, "attributes[\"x\"] == 1.5", NULL },
	{ SPAN, "attributes[\"x\"] == -.5", "attributes[\"x\"] == -0.5" },
	{ SPAN, "attributes[\"x\"] == 1.5e3", "attributes[\"x\"] == 1500.0" },
	{ SPAN, "attributes[\"x\"] == 2.0", NULL },
	{ SPAN, "attributes[\"x\"] == 1.0e-7", NULL },
	{ SPAN, "attributes[\"x\"] == 1.0E+300", "attributes[\"x\"] == 1.0e+300" },
	{ SPAN, "attributes[\"x\"] == 0.1", NULL },
	{ SPAN, "attributes[\"x\"] == true", NULL },
	{ SPAN, "attributes[\"x\"] == 0x00ff", NULL },
	{ SPAN, "attributes[\"x\"] == 0xABcd", "attributes[\"x\"] == 0xabcd" },
	{ SPAN, "name == \"tab\\there \\\"q\\\" back\\\\slash\"", NULL },
	{ SPAN, "name == \"\\x41\\101\\u00e9\\U0001F600\\a\\v\"",
	  "name == \"AA\xc3\xa9\xf0\x9f\x98\x80\\x07\\x0b\"" },
	{ SPAN, "name == \"\"", NULL },
	{ SPAN, "attributes[\"\"] == \"\"", NULL },
	{ SPAN, "attributes[\"a\\\"b\"] == 1", NULL },
	/* ids */
	{ SPAN, "trace_id == TraceID(0x0102030405060708090a0b0c0d0e0f10)", NULL },
	{ SPAN, "span_id != SpanID(0x0000000000000000) and parent_span_id == SpanID(0x0102030405060708)",
	  NULL },
	{ SPAN, "trace_id.string == \"0102\" or span_id.string == \"ab\"", NULL },
	{ LOG, "trace_id == TraceID(0x01020304050607080102030405060708)", NULL },
	/* IsMatch */
	{ SPAN, "IsMatch(name, \"^GET /api/\\\\d+$\")", NULL },
	{ SPAN, "IsMatch(attributes[\"url\"], \"(?P<id>[0-9]+)\") and not IsMatch(name, \"x\")", NULL },
	{ SPAN, "IsMatch(name, \"a\") == false", NULL },
	{ SPAN, "IsMatch(IsMatch(name, \"a\"), \"true\")", NULL },
	{ RES, "IsMatch(resource.attributes[\"host.name\"], \"pod-.*\")",
	  "IsMatch(attributes[\"host.name\"], \"pod-.*\")" },
	{ SPAN, "not IsMatch(kind, \"2\")", NULL },
};

struct err_case {
	enum ottl_context ctx;
	const char *in;
	unsigned pos;
	const char *msg;
};

static const struct err_case errs[] = {
	/* the ones the config loader turns into FILE:LINE:COL */
	{ SPAN, "atributes[\"x\"] == 1", 0, "unknown path 'atributes'" },
	{ SPAN, "kind == 1 and severity_number > 3", 14,
	  "path 'severity_number' is not available in the span context" },
	{ SPAN, "IsMatch(name, \"x\"", 17, "expected ')' after arguments, got end of condition" },
	{ SPAN, "IsMatch(name \"x\")", 13, "expected ')' after arguments, got a string" },
	{ SPAN, "name == \"abc", 8, "unterminated string" },
	{ SPAN, "name == \"abc\\\"", 8, "unterminated string" },
	/* structure */
	{ SPAN, "", 0, "empty condition" },
	{ SPAN, "   ", 3, "empty condition" },
	{ SPAN, "(name == \"a\"", 12, "expected ')' to close the '(' at offset 0, got end of condition" },
	{ SPAN, "name == \"a\")", 11, "expected 'and', 'or' or the end of the condition, got ')'" },
	{ SPAN, "name", 4, "expected a comparison operator (== != < <= > >=), got end of condition" },
	{ SPAN, "name ==", 7,
	  "expected a value (a path, a literal, an enum or IsMatch(...)), got end of condition" },
	{ SPAN, "kind == 1 == 1", 10, "expected 'and', 'or' or the end of the condition, got '=='" },
	{ SPAN, "kind == 1 and", 13,
	  "expected a value (a path, a literal, an enum or IsMatch(...)), got end of condition" },
	{ SPAN, "kind == 1 or or", 13,
	  "expected a value (a path, a literal, an enum or IsMatch(...)), got 'or'" },
	{ SPAN, "not not true", 4, "'not' cannot follow 'not' (write not (not ...))" },
	{ SPAN, "nil", 3, "expected a comparison operator (== != < <= > >=), got end of condition" },
	{ SPAN, "\"x\"", 3, "expected a comparison operator (== != < <= > >=), got end of condition" },
	{ SPAN, "kind = 1", 5, "expected a comparison operator (== != < <= > >=), got '='" },
	{ SPAN, "kind === 1", 7, "expected a value (a path, a literal, an enum or IsMatch(...)), got '='" },
	{ SPAN, "kind == 1 && kind == 2", 10, "unexpected character '&'" },
	{ SPAN, "kind == 1 AND kind == 2", 10,
	  "expected 'and', 'or' or the end of the condition, got 'AND'" },
	{ SPAN, "kind ! 1", 5, "unexpected character '!'" },
	{ SPAN, "kind == 1 # c", 10, "unexpected character '#'" },
	{ SPAN, "kind == \x01", 8, "unexpected character '\\x01'" },
	/* unsupported OTTL */
	{ SPAN, "kind + 1 > 2", 5, "math expressions (+ - * /) are not supported" },
	{ SPAN, "kind > 2 * 1", 9, "math expressions (+ - * /) are not supported" },
	{ SPAN, "name == [\"a\"]", 8, "lists are not supported" },
	{ SPAN, "Len(name) > 2", 0, "unknown converter 'Len' (sluice supports IsMatch, TraceID, SpanID)" },
	{ SPAN, "isMatch(name, \"a\")", 0,
	  "'isMatch' is not a converter (converter names start with an upper-case letter; sluice supports IsMatch, TraceID, SpanID)" },
	{ SPAN, "IsMatch(target = name, pattern = \"a\")", 8,
	  "named arguments (name = value) are not supported" },
	{ SPAN, "IsMatch(name, \"a\")[0] == 1", 18, "indexing the result of IsMatch(...) is not supported" },
	{ SPAN, "attributes[0] == 1", 11,
	  "slice indexes like [0] are not supported; attribute keys are strings, like [\"key\"]" },
	{ SPAN, "attributes[\"a\"][\"b\"] == 1", 15,
	  "nested keys are not supported (one [\"key\"] after a map)" },
	{ SPAN, "attributes[\"a\"].b == 1", 15, "unexpected '.' after a key" },
	{ SPAN, "attributes[name] == 1", 11, "expected a string key after '[', got 'name'" },
	{ SPAN, "attributes[\"a\" == 1", 15, "expected ']' after the key, got '=='" },
	/* paths and contexts */
	{ SPAN, "attributes == nil", 0, "path 'attributes' needs a key, like attributes[\"name\"]" },
	{ SPAN, "name[\"x\"] == 1", 4, "path 'name' cannot be indexed" },
	{ SPAN, "status == 1", 0, "unknown path 'status'" },
	{ SPAN, "status. == 1", 8, "expected a lower-case name after '.', got '=='" },
	{ SPAN, "log.body == \"x\"", 0, "path 'log.body' is not available in the span context" },
	{ SPAN, "span.resource.attributes[\"a\"] == 1", 0, "unknown path 'span.resource.attributes'" },
	{ RES, "name == \"x\"", 0, "path 'name' is not available in the resource context" },
	{ RES, "instrumentation_scope.name == \"x\"", 0,
	  "path 'instrumentation_scope.name' is not available in the resource context" },
	{ LOG, "kind == 1", 0, "path 'kind' is not available in the log context" },
	{ MET, "attributes[\"a\"] == 1", 0, "path 'attributes' is not available in the metric context" },
	{ DP, "span.name == \"x\"", 0, "path 'span.name' is not available in the datapoint context" },
	{ SPAN, "Name == \"x\"", 0,
	  "unknown name 'Name' (paths are lower case, enums upper case; converters are called as Name(...))" },
	/* enums */
	{ SPAN, "kind == SPAN_KIND_SERVR", 8, "unknown enum 'SPAN_KIND_SERVR'" },
	{ SPAN, "kind == SEVERITY_NUMBER_INFO", 8,
	  "enum 'SEVERITY_NUMBER_INFO' is not available in the span context" },
	{ RES, "attributes[\"k\"] == SPAN_KIND_SERVER", 19,
	  "enum 'SPAN_KIND_SERVER' is not available in the resource context" },
	/* literals */
	{ SPAN, "kind == 09", 8, "invalid integer '09' (a leading 0 makes it octal)" },
	{ SPAN, "kind == 9223372036854775808", 8, "integer out of range: 9223372036854775808" },
	{ SPAN, "kind == -9223372036854775809", 8, "integer out of range: -9223372036854775809" },
	{ SPAN, "kind == 1.0e999", 8, "float out of range: 1.0e999" },
	{ SPAN, "kind == 1e5", 9, "an exponent needs a float with a '.' (1.0e5, not 1e5)" },
	{ SPAN, "kind == 1.", 9, "expected 'and', 'or' or the end of the condition, got '.'" },
	{ SPAN, "kind == 0x123", 8, "odd number of hex digits in a 0x bytes literal" },
	{ SPAN, "name == \"a\\qb\"", 10, "bad escape in string: \\q" },
	{ SPAN, "name == \"a\\'b\"", 10, "bad escape in string: \\'" },
	{ SPAN, "name == \"a\\x4\"", 10, "bad escape in string: \\x needs 2 hex digits" },
	{ SPAN, "name == \"\\ud800\"", 9, "bad escape in string: \\uD800 is not a Unicode code point" },
	{ SPAN, "name == \"\\U00110000\"", 9,
	  "bad escape in string: \\U00110000 is not a Unicode code point" },
	{ SPAN, "name == \"\\400\"", 9, "bad escape in string: octal escape above \\377" },
	{ SPAN, "name == \"\\12\"", 9, "bad escape in string: octal escapes need 3 digits (\\ooo)" },
	{ SPAN, "name == \"a\nb\"", 10, "newline in string (write \\n)" },
	/* converters */
	{ SPAN, "IsMatch(name)", 0, "IsMatch takes 2 arguments (target, pattern), got 1" },
	{ SPAN, "IsMatch(name, \"a\", \"b\", \"c\")", 24, "too many arguments to IsMatch" },
	{ SPAN, "IsMatch(name, name)", 14, "IsMatch's pattern must be a string literal" },
	{ SPAN, "IsMatch(name, \"(a\")", 14, "IsMatch: bad regexp \"(a\": Unmatched ( or \\(" },
	{ SPAN, "IsMatch(name, \"(?i)a\")", 14,
	  "IsMatch: bad regexp \"(?i)a\": \"(?\" is only supported as (?P<name>...) or (?:...)" },
	{ SPAN, "IsMatch(name, \"a++\")", 14,
	  "IsMatch: bad regexp \"a++\": invalid nested repetition operator at \"+\"" },
	{ SPAN, "IsMatch(name, \"\\\\1\")", 14,
	  "IsMatch: bad regexp \"\\1\": back-references (\\1) are not supported" },
	{ SPAN, "IsMatch(name, \"a\\x00\")", 14, "NUL byte in an IsMatch pattern" },
	{ SPAN, "trace_id == TraceID(0x01)", 12, "TraceID takes one 0x literal of 16 bytes (32 hex digits)" },
	{ SPAN, "span_id == SpanID(\"x\")", 11, "SpanID takes one 0x literal of 8 bytes (16 hex digits)" },
};

START_TEST(parses)
{
	const struct ok_case *c = &oks[_i];
	const char *want = c->want ? c->want : c->in;
	struct ottl_cond *cond, *again;
	struct ottl_error err;
	char out[1024], out2[1024];

	int rc = ottl_parse(c->in, strlen(c->in), c->ctx, 0, &cond, &err);
	ck_assert_msg(rc == 0, "%s: %u: %s", c->in, err.pos, err.msg);
	size_t n = ottl_print(cond, out, sizeof out);
	ck_assert_uint_eq(n, strlen(out));
	ck_assert_msg(!strcmp(out, want), "%s:\n got  %s\n want %s", c->in, out, want);
	ck_assert_uint_eq(cond->text_len, strlen(c->in));
	ck_assert_str_eq(cond->text, c->in);
	/* the canonical form is a fixed point */
	rc = ottl_parse(out, n, c->ctx, 0, &again, &err);
	ck_assert_msg(rc == 0, "%s: %u: %s", out, err.pos, err.msg);
	ottl_print(again, out2, sizeof out2);
	ck_assert_str_eq(out, out2);
	ottl_free(again);
	ottl_free(cond);
}
END_TEST

START_TEST(fails)
{
	const struct err_case *c = &errs[_i];
	struct ottl_cond *cond = (struct ottl_cond *)1;
	struct ottl_error err;

	int rc = ottl_parse(c->in, strlen(c->in), c->ctx, 0, &cond, &err);
	ck_assert_msg(rc == -EINVAL, "%s: parsed (rc %d)", c->in, rc);
	ck_assert_ptr_null(cond);
	ck_assert_msg(!strcmp(err.msg, c->msg), "%s:\n got  %s\n want %s", c->in, err.msg, c->msg);
	ck_assert_msg(err.pos == c->pos, "%s: offset %u, want %u (%s)", c->in, err.pos, c->pos, err.msg);
}
END_TEST

/* Text need not be NUL-terminated: a condition cut out of a larger buffer. */
START_TEST(not_nul_terminated)
{
	const char buf[] = "kind == 1XXXX";
	struct ottl_cond *c;
	struct ottl_error err;
	char out[64];

	ck_assert_int_eq(ottl_parse(buf, 9, SPAN, 0, &c, &err), 0);
	ottl_print(c, out, sizeof out);
	ck_assert_str_eq(out, "kind == 1");
	ottl_free(c);
	ck_assert_int_eq(ottl_parse("name == \"ab\"", 10, SPAN, 0, &c, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "unterminated string");
}
END_TEST

/* The routing connector's statement form. */
START_TEST(route_statement)
{
	static const struct {
		const char *in, *want;
		unsigned pos;
	} cases[] = {
		{ "route() where attributes[\"t\"] == \"acme\"", "attributes[\"t\"] == \"acme\"", 0 },
		{ "  route ( )  where kind == 1", "kind == 1", 0 },
		{ "route()", "true", 0 },
		{ "route() where", "empty condition", 13 },
		{ "route() when kind == 1", "expected 'where' after route(), got 'when'", 8 },
		{ "drop() where kind == 1",
		  "expected a routing statement: route() where <condition>, got 'drop'", 0 },
		{ "route(1) where kind == 1", "expected ')' after route(, got '1'", 6 },
		{ "route() where atributes[\"x\"] == 1", "unknown path 'atributes'", 14 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ottl_cond *c = NULL;
		struct ottl_error err;
		char out[256];
		int rc = ottl_parse(cases[i].in, strlen(cases[i].in), SPAN, OTTL_PARSE_ROUTE, &c, &err);
		if (rc == 0) {
			ottl_print(c, out, sizeof out);
			ck_assert_msg(!strcmp(out, cases[i].want), "%s: got %s", cases[i].in, out);
		} else {
			ck_assert_msg(!strcmp(err.msg, cases[i].want), "%s: got %s", cases[i].in, err.msg);
			ck_assert_uint_eq(err.pos, cases[i].pos);
		}
		ottl_free(c);
	}
}
END_TEST

START_TEST(limits)
{
	struct ottl_cond *c;
	struct ottl_error err;
	size_t big = OTTL_MAX_TEXT + 1, cap = 4 * OTTL_MAX_TEXT;
	char *buf = malloc(cap);

	/* longer than OTTL_MAX_TEXT */
	memset(buf, ' ', big);
	memcpy(buf, "true", 4);
	ck_assert_int_eq(ottl_parse(buf, big, SPAN, 0, &c, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "condition longer than 8192 bytes");
	ck_assert_uint_eq(err.pos, OTTL_MAX_TEXT);
	/* exactly OTTL_MAX_TEXT parses */
	ck_assert_int_eq(ottl_parse(buf, OTTL_MAX_TEXT, SPAN, 0, &c, &err), 0);
	ottl_free(c);
	/* nesting: OTTL_MAX_DEPTH parentheses parse, one more does not */
	size_t n = 0;
	for (int i = 0; i < OTTL_MAX_DEPTH; i++)
		buf[n++] = '(';
	memcpy(buf + n, "true", 4);
	n += 4;
	for (int i = 0; i < OTTL_MAX_DEPTH; i++)
		buf[n++] = ')';
	ck_assert_int_eq(ottl_parse(buf, n, SPAN, 0, &c, &err), 0);
	ottl_free(c);
	memmove(buf + 1, buf, n);
	buf[0] = '(';
	buf[++n] = ')';
	n++;
	ck_assert_int_eq(ottl_parse(buf, n, SPAN, 0, &c, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "nested too deeply (more than 32 levels)");
	ck_assert_uint_eq(err.pos, OTTL_MAX_DEPTH);
	/* a long flat chain is not deep: 600 ors */
	n = 0;
	for (int i = 0; i < 600; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%skind==%d", i ? " or " : "", i % 6);
	ck_assert_uint_le(n, OTTL_MAX_TEXT);
	ck_assert_int_eq(ottl_parse(buf, n, SPAN, 0, &c, &err), 0);
	ck_assert_uint_eq(c->n_nodes, 1801);
	ottl_free(c);
	/* too many nodes */
	n = 0;
	for (int i = 0; i < 800; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s1==1", i ? " or " : "");
	ck_assert_int_eq(ottl_parse(buf, n, SPAN, 0, &c, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "condition too long (more than 2048 parts)");
	/* too many distinct keys */
	n = 0;
	for (int i = 0; i <= OTTL_MAX_KEYS; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%sattributes[\"k%d\"]==1", i ? " or " : "", i);
	ck_assert_int_eq(ottl_parse(buf, n, SPAN, 0, &c, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "more than 64 distinct attribute keys in one condition");
	free(buf);
}
END_TEST

/* Keys are shared: one per (map, key), so the stage binds each once. */
START_TEST(keys_and_regexps)
{
	const char *in = "attributes[\"a\"] == 1 or attributes[\"a\"] == 2 or resource.attributes[\"a\"] == 3"
			 " or IsMatch(attributes[\"b\"], \"^x\\\\d$\")";
	struct ottl_cond *c;
	struct ottl_error err;

	ck_assert_int_eq(ottl_parse(in, strlen(in), SPAN, 0, &c, &err), 0);
	ck_assert_uint_eq(c->n_keys, 3);
	ck_assert_int_eq(c->keys[0].map, OTTL_MAP_ITEM);
	ck_assert_int_eq(c->keys[1].map, OTTL_MAP_RESOURCE);
	ck_assert_mem_eq(c->keys[1].s, "a", 2);
	ck_assert_uint_eq(c->n_regex, 1);
	ck_assert_str_eq(c->regex[0].source, "^x\\d$");
	ck_assert_str_eq(c->regex[0].posix, "^x[0-9]$");
	ottl_free(c);
	/* lazy repeats lose their ?, brackets and escapes keep theirs */
	in = "IsMatch(name, \"a+?b*?c??d{2,3}?[?]\\\\?(?:e)\")";
	ck_assert_int_eq(ottl_parse(in, strlen(in), SPAN, 0, &c, &err), 0);
	ck_assert_str_eq(c->regex[0].source, "a+?b*?c??d{2,3}?[?]\\?(?:e)");
	ck_assert_str_eq(c->regex[0].posix, "a+b*c?d{2,3}[?]\\?(e)");
	ottl_free(c);
}
END_TEST

START_TEST(arena_block)
{
	struct arena *a = arena_new();
	const struct ottl_cond *c;
	struct ottl_error err;
	char out[128];
	const char *in = "name == \"x\" and IsMatch(attributes[\"k\"], \"y\")";

	ck_assert_int_eq(ottl_parse_arena(a, in, strlen(in), SPAN, 0, &c, &err), 0);
	ottl_print(c, out, sizeof out);
	ck_assert_str_eq(out, in);
	ck_assert_uint_ge(arena_used(a), c->size);
	arena_free(a); /* frees the condition too (ASan would see a leak otherwise) */
}
END_TEST

START_TEST(contexts)
{
	enum ottl_context ctx;

	ck_assert_int_eq(ottl_context_parse("log_record", &ctx), 0);
	ck_assert_int_eq(ctx, OTTL_CTX_LOG);
	ck_assert_int_eq(ottl_context_parse("spanevent", &ctx), 0);
	ck_assert_int_eq(ctx, OTTL_CTX_SPANEVENT);
	ck_assert_int_eq(ottl_context_parse("request", &ctx), -EINVAL);
	for (int i = 0; i < OTTL_CTX_COUNT; i++) {
		ck_assert_int_eq(ottl_context_parse(ottl_context_name((enum ottl_context)i), &ctx), 0);
		ck_assert_int_eq(ctx, i);
	}
}
END_TEST

START_TEST(print_truncates)
{
	struct ottl_cond *c;
	struct ottl_error err;
	char out[8];
	const char *in = "name == \"abcdef\"";

	ck_assert_int_eq(ottl_parse(in, strlen(in), SPAN, 0, &c, &err), 0);
	ck_assert_uint_eq(ottl_print(c, out, sizeof out), strlen(in));
	ck_assert_str_eq(out, "name ==");
	ottl_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ottl");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, parses, 0, (int)(sizeof oks / sizeof oks[0]));
	tcase_add_loop_test(tc, fails, 0, (int)(sizeof errs / sizeof errs[0]));
	tcase_add_test(tc, not_nul_terminated);
	tcase_add_test(tc, route_statement);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, keys_and_regexps);
	tcase_add_test(tc, arena_block);
	tcase_add_test(tc, contexts);
	tcase_add_test(tc, print_truncates);
	suite_add_tcase(s, tc);
	/* pure table cases: one process, not a fork a case (under ASan a fork
	 * of this test costs ~0.2 s, hundreds of them ran past the timeout) */
	return check_run(s, CK_NOFORK) ? EXIT_FAILURE : EXIT_SUCCESS;
}
