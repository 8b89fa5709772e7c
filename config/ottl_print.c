/* config/ottl_print.c: a parsed condition back as text, in one canonical
 * form (what the tests compare, and what the fuzzer feeds back to the
 * parser): an and/or operand that is itself and/or is parenthesised, so
 * the precedence the parser chose is visible; a path is spelled the way
 * ottl_paths.c lists it first; enums by name; floats shortest round-trip,
 * always with a '.' so they read back as floats. */
#include "config/ottl_priv.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
	char *buf;
	size_t size, n;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->n < o->size) {
		size_t room = o->size - o->n - 1;
		memcpy(o->buf + o->n, s, n < room ? n : room);
	}
	o->n += n;
}

static void putf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct out *o, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		put(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void put_quoted(struct out *o, const uint8_t *s, size_t n)
{
	put(o, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\')
			putf(o, "\\%c", c);
		else if (c == '\n')
			put(o, "\\n", 2);
		else if (c == '\t')
			put(o, "\\t", 2);
		else if (c == '\r')
			put(o, "\\r", 2);
		else if (c < 0x20 || c == 0x7f)
			putf(o, "\\x%02x", c);
		else
			put(o, (const char *)&c, 1);
	}
	put(o, "\"", 1);
}

static void put_hex(struct out *o, const uint8_t *s, size_t n)
{
	put(o, "0x", 2);
	for (size_t i = 0; i < n; i++)
		putf(o, "%02x", s[i]);
}

static void put_double(struct out *o, double d)
{
	char tmp[40];

	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	char *e = strchr(tmp, 'e');
	if (strchr(tmp, '.')) {
		put(o, tmp, strlen(tmp));
	} else if (e) { /* 1e+300 -> 1.0e+300 */
		put(o, tmp, (size_t)(e - tmp));
		put(o, ".0", 2);
		put(o, e, strlen(e));
	} else {
		put(o, tmp, strlen(tmp));
		put(o, ".0", 2);
	}
}

static const char *const cmp_ops[] = {"==", "!=", "<", "<=", ">", ">="};

static void print_node(const struct ottl_cond *c, uint16_t i, struct out *o);

static void print_child(const struct ottl_cond *c, uint16_t parent, uint16_t i, struct out *o)
{
	uint8_t k = c->nodes[i].kind, pk = c->nodes[parent].kind;
	bool paren = k == OTTL_N_AND || k == OTTL_N_OR || (k == OTTL_N_NOT && pk == OTTL_N_NOT);

	if (paren)
		put(o, "(", 1);
	print_node(c, i, o);
	if (paren)
		put(o, ")", 1);
}

static void print_literal(const struct ottl_node *n, struct out *o)
{
	const struct ottl_value *v = &n->v;

	if (n->arg) {
		const char *name = ottl_enum_name(n->arg - 1);
		put(o, name, strlen(name));
		return;
	}
	switch (v->type) {
	case OTTL_NIL: put(o, "nil", 3); break;
	case OTTL_STRING: put_quoted(o, v->u.s.p, v->u.s.len); break;
	case OTTL_INT: putf(o, "%" PRId64, v->u.i); break;
	case OTTL_DOUBLE: put_double(o, v->u.d); break;
	case OTTL_BOOL: v->u.b ? put(o, "true", 4) : put(o, "false", 5); break;
	case OTTL_BYTES: put_hex(o, v->u.s.p, v->u.s.len); break;
	case OTTL_TRACE_ID: case OTTL_SPAN_ID:
		put(o, v->type == OTTL_TRACE_ID ? "TraceID(" : "SpanID(", v->type == OTTL_TRACE_ID ? 8 : 7);
		put_hex(o, v->u.s.p, v->u.s.len);
		put(o, ")", 1);
		break;
	case OTTL_OTHER: put(o, "?", 1); break;
	}
}

static void print_node(const struct ottl_cond *c, uint16_t i, struct out *o)
{
	const struct ottl_node *n = &c->nodes[i];
	char name[160];
	int len;

	switch (n->kind) {
	case OTTL_N_OR: case OTTL_N_AND:
		for (uint16_t k = n->a; k != OTTL_NONE; k = c->nodes[k].next) {
			if (k != n->a)
				n->kind == OTTL_N_OR ? put(o, " or ", 4) : put(o, " and ", 5);
			print_child(c, i, k, o);
		}
		break;
	case OTTL_N_NOT:
		put(o, "not ", 4);
		print_child(c, i, n->a, o);
		break;
	case OTTL_N_CMP:
		print_node(c, n->a, o);
		putf(o, " %s ", cmp_ops[n->op < 6 ? n->op : 0]);
		print_node(c, n->b, o);
		break;
	case OTTL_N_ISMATCH: {
		const struct ottl_regex *re = &c->regex[n->arg];
		put(o, "IsMatch(", 8);
		print_node(c, n->a, o);
		put(o, ", ", 2);
		put_quoted(o, (const uint8_t *)re->source, strlen(re->source));
		put(o, ")", 1);
		break;
	}
	case OTTL_N_LITERAL:
		print_literal(n, o);
		break;
	case OTTL_N_FIELD:
		len = ottl_path_name(c->ctx, false, n->arg, n->op, name, sizeof name);
		put(o, name, len > 0 ? (size_t)len : 0);
		break;
	case OTTL_N_ATTR: {
		const struct ottl_key *k = &c->keys[n->arg];
		len = ottl_path_name(c->ctx, true, (uint16_t)k->map, false, name, sizeof name);
		put(o, name, len > 0 ? (size_t)len : 0);
		put(o, "[", 1);
		put_quoted(o, k->s, k->len);
		put(o, "]", 1);
		break;
	}
	}
}

size_t ottl_print(const struct ottl_cond *c, char *buf, size_t size)
{
	struct out o = { .buf = buf, .size = size, .n = 0 };

	print_node(c, c->root, &o);
	if (size)
		buf[o.n < size ? o.n : size - 1] = '\0';
	return o.n;
}
