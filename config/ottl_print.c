/* config/ottl_print.c: a parsed condition back as text, in one canonical
 * form (what the tests compare, and what the fuzzer feeds back to the
 * parser): an and/or operand that is itself and/or is parenthesised, so
 * the precedence the parser chose is visible; a path is spelled the way
 * ottl_paths.c lists it first; enums by name; floats shortest round-trip,
 * always with a '.' so they read back as floats. */
#include "config/ottl_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
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

/* Shortest decimal digits that read back as d, and the exponent of the
 * first one: d = 0.digits... * 10^(x+1). Returns the digit count. */
static size_t shortest_digits(double d, char digits[20], int *x, bool *neg)
{
	char e[40];
	int prec;
	size_t nd = 0;

	for (prec = 1; prec < 17; prec++) {
		snprintf(e, sizeof e, "%.*e", prec - 1, d);
		if (strtod(e, NULL) == d)
			break;
	}
	snprintf(e, sizeof e, "%.*e", prec - 1, d);
	const char *s = e;
	*neg = *s == '-';
	s += *neg;
	for (; *s && *s != 'e'; s++)
		if (*s != '.')
			digits[nd++] = *s;
	*x = atoi(s + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	return nd;
}

int ottl_double_text(double d, enum ottl_double_style style, char *out, size_t size)
{
	char digits[20], o[64];
	int x;
	bool neg;
	size_t n = 0;

	if (isnan(d) || isinf(d))
		return -EDOM;
	size_t nd = shortest_digits(d, digits, &x, &neg);
	bool sci = style == OTTL_DOUBLE_JSON ? (d != 0 && (fabs(d) < 1e-6 || fabs(d) >= 1e21))
					     : (x < -5 || x > 16);
	bool point = style == OTTL_DOUBLE_LITERAL; /* a literal keeps a '.' */
#define PUT(c) (o[n++] = (c))
	if (neg)
		PUT('-');
	if (sci) {
		PUT(digits[0]);
		if (nd > 1 || point)
			PUT('.');
		for (size_t k = 1; k < nd; k++)
			PUT(digits[k]);
		if (nd == 1 && point)
			PUT('0');
		n += (size_t)snprintf(o + n, sizeof o - n, "e%c%d", x < 0 ? '-' : '+', abs(x));
	} else if (x >= 0) { /* x < 21 */
		for (int k = 0; k <= x || k < (int)nd; k++) {
			if (k == x + 1)
				PUT('.');
			PUT(k < (int)nd ? digits[k] : '0');
		}
		if (point && x + 1 >= (int)nd) {
			PUT('.');
			PUT('0');
		}
	} else { /* x >= -6 */
		PUT('0');
		PUT('.');
		for (int k = 0; k < -x - 1; k++)
			PUT('0');
		for (size_t k = 0; k < nd; k++)
			PUT(digits[k]);
	}
#undef PUT
	if (n >= size)
		return -ENOSPC;
	memcpy(out, o, n);
	out[n] = '\0';
	return (int)n;
}

static void put_double(struct out *o, double d)
{
	char tmp[64];
	int n = ottl_double_text(d, OTTL_DOUBLE_LITERAL, tmp, sizeof tmp);

	if (n > 0)
		put(o, tmp, (size_t)n);
}

static const char *const cmp_ops[] = { "==", "!=", "<", "<=", ">", ">=" };

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
	case OTTL_NIL:
		put(o, "nil", 3);
		break;
	case OTTL_STRING:
		put_quoted(o, v->u.s.p, v->u.s.len);
		break;
	case OTTL_INT:
		putf(o, "%" PRId64, v->u.i);
		break;
	case OTTL_DOUBLE:
		put_double(o, v->u.d);
		break;
	case OTTL_BOOL:
		v->u.b ? put(o, "true", 4) : put(o, "false", 5);
		break;
	case OTTL_BYTES:
		put_hex(o, v->u.s.p, v->u.s.len);
		break;
	case OTTL_TRACE_ID:
	case OTTL_SPAN_ID:
		put(o, v->type == OTTL_TRACE_ID ? "TraceID(" : "SpanID(", v->type == OTTL_TRACE_ID ? 8 : 7);
		put_hex(o, v->u.s.p, v->u.s.len);
		put(o, ")", 1);
		break;
	case OTTL_OTHER:
		put(o, "?", 1);
		break;
	}
}

static void print_node(const struct ottl_cond *c, uint16_t i, struct out *o)
{
	const struct ottl_node *n = &c->nodes[i];
	char name[160];
	int len;

	switch (n->kind) {
	case OTTL_N_OR:
	case OTTL_N_AND:
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
		put(o, name, len > 0 ? strnlen(name, sizeof name) : 0);
		break;
	case OTTL_N_ATTR: {
		const struct ottl_key *k = &c->keys[n->arg];
		len = ottl_path_name(c->ctx, true, (uint16_t)k->map, false, name, sizeof name);
		put(o, name, len > 0 ? strnlen(name, sizeof name) : 0);
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
