/* config/ottl.h: the OTTL condition subset that routing-connector and
 * filter-processor users write, parsed once at config load into one block
 * that stages/ottl_eval.h evaluates against an item.
 *
 *   struct ottl_cond *c;
 *   struct ottl_error e;
 *   if (ottl_parse(text, len, OTTL_CTX_SPAN, 0, &c, &e) < 0)
 *           ... e.pos is the 0-based byte offset of the fault in text,
 *               e.msg what is wrong ("unknown path 'atributes'") ...
 *   ottl_print(c, buf, sizeof buf);   canonical text, parses to the same
 *   ottl_free(c);
 *
 * Grammar (OTTL's, minus math expressions, lists, maps, editors):
 *   condition  := term ("or" term)*
 *   term       := boolean ("and" boolean)*           and binds tighter than or
 *   boolean    := ["not"] ( comparison | "true" | "false" | IsMatch(...)
 *                           | "(" condition ")" )   one not, binding tightest
 *   comparison := value op value          op := == != < <= > >=
 *   value      := path | literal | ENUM_NAME | IsMatch(value, "regexp")
 *                 | TraceID(0x<32 hex>) | SpanID(0x<16 hex>)
 *   path       := name ("." name)* ["[" string "]"]   names [a-z][a-z0-9_]*
 *   literal    := string | int | float | true | false | nil | 0x<hex bytes>
 * Literals as OTTL reads them: strings in double quotes with Go escapes
 * (\" \\ \n \t \r \a \b \f \v \xHH \ooo \uHHHH \UHHHHHHHH), no raw
 * newline; ints [-+]digits (Go base prefixes: a leading 0 is octal, so 010
 * is 8); floats [-+][digits].digits[e[-+]digits]; 0x bytes an even number
 * of hex digits. IsMatch's pattern is RE2 as Collector users write it,
 * translated to POSIX ERE by config/match.c ((?P<n>..) and (?:..) groups,
 * \d \s \w); what it cannot translate ((?i) flags, back-references,
 * stacked repeats) is an error at the pattern's offset.
 *
 * Paths by context (the context's own prefix is optional: in the span
 * context `span.name` is `name`; in the resource context `attributes` is
 * `resource.attributes`):
 *   resource:  attributes["k"]
 *   span:      attributes["k"] name kind status.code status.message
 *              trace_id[.string] span_id[.string] parent_span_id[.string]
 *              start_time_unix_nano end_time_unix_nano
 *   spanevent: attributes["k"] name time_unix_nano, and span.<span path>
 *   log:       attributes["k"] body severity_number severity_text flags
 *              trace_id[.string] span_id[.string] time_unix_nano
 *              observed_time_unix_nano
 *   metric:    name description unit type aggregation_temporality is_monotonic
 *   datapoint: attributes["k"] value_int value_double start_time_unix_nano
 *              time_unix_nano flags, and metric.<metric path>
 *   all but resource: resource.attributes["k"], instrumentation_scope.name,
 *              instrumentation_scope.version, instrumentation_scope.attributes["k"]
 * Enums (ints, as OTTL defines them): SPAN_KIND_*, STATUS_CODE_* (span,
 * spanevent); SEVERITY_NUMBER_* (log); METRIC_DATA_TYPE_* (pdata's numbers:
 * NONE 0 GAUGE 1 SUM 2 HISTOGRAM 3 EXPONENTIAL_HISTOGRAM 4 SUMMARY 5),
 * AGGREGATION_TEMPORALITY_* (metric, datapoint); FLAG_* (datapoint).
 *
 * The result is one allocation: nodes, keys, regexps and strings together
 * (pointers inside it, so it is not relocatable). Limits: OTTL_MAX_TEXT
 * bytes of text, OTTL_MAX_DEPTH nested parentheses, nots and calls,
 * OTTL_MAX_NODES, OTTL_MAX_KEYS, OTTL_MAX_REGEX. */
#ifndef SLUICE_CONFIG_OTTL_H
#define SLUICE_CONFIG_OTTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OTTL_MAX_TEXT 8192 /* bytes of condition text */
#define OTTL_MAX_DEPTH 32  /* nested parentheses and nots */
#define OTTL_MAX_NODES 2048
#define OTTL_MAX_KEYS 64   /* distinct attribute keys in one condition */
#define OTTL_MAX_REGEX 16  /* IsMatch calls in one condition */
#define OTTL_MAX_GROUPS 16 /* capture groups in one IsMatch pattern */
#define OTTL_NONE 0xffffu  /* no node */

enum ottl_context {
	OTTL_CTX_RESOURCE = 0,
	OTTL_CTX_SPAN,
	OTTL_CTX_SPANEVENT,
	OTTL_CTX_LOG, /* the filter processor calls it log_record */
	OTTL_CTX_METRIC,
	OTTL_CTX_DATAPOINT,
	OTTL_CTX_COUNT
};

/* A value: a literal in a condition, or what an accessor returns. Views
 * (s) point into the condition block or into the item. */
enum ottl_type {
	OTTL_NIL = 0, /* absent attribute, nil literal */
	OTTL_STRING,
	OTTL_INT,
	OTTL_DOUBLE,
	OTTL_BOOL,
	OTTL_BYTES,    /* bytes attribute, 0x literal */
	OTTL_TRACE_ID, /* 16 bytes: trace_id, TraceID(0x...) */
	OTTL_SPAN_ID,  /* 8 bytes: span_id, parent_span_id, SpanID(0x...) */
	OTTL_OTHER,    /* array or kvlist attribute: only != holds */
};

struct ottl_value {
	enum ottl_type type;
	union {
		struct {
			const uint8_t *p;
			size_t len;
		} s; /* STRING, BYTES, TRACE_ID, SPAN_ID */
		int64_t i;
		double d;
		bool b;
	} u;
};

/* Attribute maps a path can index. */
enum ottl_map {
	OTTL_MAP_ITEM = 0, /* the context's item: span, event, log record, data point */
	OTTL_MAP_RESOURCE,
	OTTL_MAP_SCOPE,
	OTTL_MAP_SPAN, /* spanevent context: the event's span (span.attributes) */
};

/* Scalar fields; the comment gives the type an accessor returns
 * (NIL is always allowed: the field is absent). */
enum ottl_field {
	OTTL_F_SCOPE_NAME = 0,	    /* STRING */
	OTTL_F_SCOPE_VERSION,	    /* STRING */
	OTTL_F_SPAN_NAME,	    /* STRING */
	OTTL_F_SPAN_KIND,	    /* INT (proto SpanKind) */
	OTTL_F_SPAN_STATUS_CODE,    /* INT (proto StatusCode) */
	OTTL_F_SPAN_STATUS_MESSAGE, /* STRING */
	OTTL_F_SPAN_TRACE_ID,	    /* BYTES, 16 or 0 (all zero) */
	OTTL_F_SPAN_SPAN_ID,	    /* BYTES, 8 or 0 */
	OTTL_F_SPAN_PARENT_SPAN_ID, /* BYTES, 8 or 0 */
	OTTL_F_SPAN_START_TIME,	    /* INT, unix ns */
	OTTL_F_SPAN_END_TIME,	    /* INT, unix ns */
	OTTL_F_EVENT_NAME,	    /* STRING */
	OTTL_F_EVENT_TIME,	    /* INT */
	OTTL_F_LOG_BODY,	    /* any: the AnyValue's type (kvlist/array OTHER) */
	OTTL_F_LOG_SEVERITY_NUMBER, /* INT */
	OTTL_F_LOG_SEVERITY_TEXT,   /* STRING */
	OTTL_F_LOG_TRACE_ID,	    /* BYTES, 16 or 0 */
	OTTL_F_LOG_SPAN_ID,	    /* BYTES, 8 or 0 */
	OTTL_F_LOG_FLAGS,	    /* INT */
	OTTL_F_LOG_TIME,	    /* INT */
	OTTL_F_LOG_OBSERVED_TIME,   /* INT */
	OTTL_F_METRIC_NAME,	    /* STRING */
	OTTL_F_METRIC_DESCRIPTION,  /* STRING */
	OTTL_F_METRIC_UNIT,	    /* STRING */
	OTTL_F_METRIC_TYPE,	    /* INT, METRIC_DATA_TYPE_* (pdata numbers) */
	OTTL_F_METRIC_TEMPORALITY,  /* INT, AGGREGATION_TEMPORALITY_* (0 if none) */
	OTTL_F_METRIC_IS_MONOTONIC, /* BOOL (false unless a monotonic sum) */
	OTTL_F_DP_VALUE_INT,	    /* INT of a number point (0 if it holds a double), else NIL */
	OTTL_F_DP_VALUE_DOUBLE,	    /* DOUBLE of a number point (0 if it holds an int), else NIL */
	OTTL_F_DP_START_TIME,	    /* INT */
	OTTL_F_DP_TIME,		    /* INT */
	OTTL_F_DP_FLAGS,	    /* INT */
	OTTL_F_COUNT
};

enum ottl_cmp {
	OTTL_EQ = 0,
	OTTL_NE,
	OTTL_LT,
	OTTL_LE,
	OTTL_GT,
	OTTL_GE
};

enum ottl_node_kind {
	OTTL_N_OR = 0,	/* children a, then ->next ...; true if any is */
	OTTL_N_AND,	/* same; true if all are */
	OTTL_N_NOT,	/* child a */
	OTTL_N_CMP,	/* a op b */
	OTTL_N_ISMATCH, /* IsMatch(a, regex[arg]) */
	OTTL_N_LITERAL, /* v; arg: enum symbol + 1 (0: not written as one) */
	OTTL_N_FIELD,	/* field arg; op 1: its .string (hex) form */
	OTTL_N_ATTR,	/* keys[arg] */
};

struct ottl_node {
	uint8_t kind;	     /* enum ottl_node_kind */
	uint8_t op;	     /* CMP: enum ottl_cmp; FIELD: 1 = hex text */
	uint16_t arg;	     /* see enum ottl_node_kind */
	uint16_t a, b;	     /* children (node indices) */
	uint16_t next;	     /* next sibling under AND/OR, OTTL_NONE: last */
	uint32_t pos;	     /* byte offset of the node's text in the condition */
	struct ottl_value v; /* LITERAL */
};

struct ottl_key { /* an attribute key the condition names */
	enum ottl_map map;
	const uint8_t *s; /* key bytes (NUL-terminated, may hold NULs) */
	size_t len;
};

struct ottl_regex {	    /* an IsMatch pattern */
	const char *source; /* as written (unescaped) */
	const char *posix;  /* POSIX ERE for regcomp(REG_EXTENDED) */
	uint16_t n_groups;
};

struct ottl_cond {
	enum ottl_context ctx;
	uint16_t root, n_nodes, n_keys, n_regex;
	const struct ottl_node *nodes;
	const struct ottl_key *keys; /* distinct (map, key) pairs */
	const struct ottl_regex *regex;
	const char *text; /* the condition as given (NUL-terminated) */
	size_t text_len;
	size_t size; /* bytes of the block */
};

struct ottl_error {
	uint32_t pos; /* 0-based byte offset of the fault in the text */
	char msg[192];
};

/* flags for ottl_parse */
#define OTTL_PARSE_ROUTE 1u /* text is a routing statement "route() where <condition>" */

/* Parses text[0..len) (need not be NUL-terminated) for context ctx.
 * Returns 0 and *out (one block: ottl_free), or -EINVAL with *err set, or
 * -ENOMEM (err says so too). */
int ottl_parse(const char *text, size_t len, enum ottl_context ctx, unsigned flags, struct ottl_cond **out,
	       struct ottl_error *err);
void ottl_free(struct ottl_cond *c); /* NULL is fine */

/* The same, the block taken from a config arena (config/arena.h; freed
 * with it): for the config loader. */
struct arena;
int ottl_parse_arena(struct arena *a, const char *text, size_t len, enum ottl_context ctx, unsigned flags,
		     const struct ottl_cond **out, struct ottl_error *err);

/* Canonical text into buf (always NUL-terminated when size > 0): and/or
 * operands that are and/or in parentheses, one spelling per path, enums by
 * name, strings with minimal escapes. Returns the length it needs (like
 * snprintf). Parsing it gives the same canonical text. */
size_t ottl_print(const struct ottl_cond *c, char *buf, size_t size);

/* d as text: OTTL_DOUBLE_LITERAL, as ottl_print writes a float literal
 * (shortest round-trip digits, always a '.'); OTTL_DOUBLE_JSON, as Go's
 * encoding/json writes a float64 (what IsMatch matches a double against).
 * Returns the length, -EDOM for NaN and infinities, -ENOSPC. */
enum ottl_double_style {
	OTTL_DOUBLE_LITERAL,
	OTTL_DOUBLE_JSON
};
int ottl_double_text(double d, enum ottl_double_style style, char *out, size_t size);

/* "resource", "span", "spanevent", "log", "metric", "datapoint". */
const char *ottl_context_name(enum ottl_context ctx);
/* Name -> context; "log_record" (the filter processor's key) is log. 0 or -EINVAL. */
int ottl_context_parse(const char *name, enum ottl_context *out);

#endif
