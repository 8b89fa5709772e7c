/* ottl_eval.c: a recursive walk over the condition's nodes. Values are
 * views (the accessor's into the item, literals into the condition
 * block); the only text the evaluator makes itself (an id's hex, a
 * number's digits for IsMatch) goes into stack buffers or the scratch
 * allocated at init. */
#include "stages/ottl_eval.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/match.h"

_Static_assert(OTTL_MAX_GROUPS <= MATCH_MAX_GROUPS, "IsMatch patterns must fit stages/match.h");

#define ID_HEX_MAX 33 /* 16 bytes as hex + NUL */

int ottl_eval_init(struct ottl_eval *ev, const struct ottl_cond *cond, char *err, size_t errlen)
{
	memset(ev, 0, sizeof *ev);
	ev->cond = cond;
	ev->keys = calloc(cond->n_keys ? cond->n_keys : 1, sizeof *ev->keys);
	ev->re = calloc(cond->n_regex ? cond->n_regex : 1, sizeof *ev->re);
	if (cond->n_regex) {
		ev->scratch_cap = 2 * OTTL_EVAL_HEX_MAX;
		ev->scratch = malloc(ev->scratch_cap);
	}
	if (!ev->keys || !ev->re || (cond->n_regex && !ev->scratch)) {
		snprintf(err, errlen, "out of memory");
		ottl_eval_free(ev);
		return -ENOMEM;
	}
	ev->n_keys = cond->n_keys;
	for (size_t i = 0; i < ev->n_keys; i++)
		ev->keys[i] = (struct ottl_eval_key){ .map = cond->keys[i].map,
						      .s = cond->keys[i].s,
						      .len = cond->keys[i].len };
	for (uint16_t i = 0; i < cond->n_regex; i++) {
		int rc = match_re_compile_posix(&ev->re[i], cond->regex[i].posix, NULL, 0, err, errlen);
		if (rc < 0) {
			ottl_eval_free(ev);
			return rc;
		}
	}
	return 0;
}

void ottl_eval_free(struct ottl_eval *ev)
{
	if (ev->re && ev->cond)
		for (uint16_t i = 0; i < ev->cond->n_regex; i++)
			match_re_free(&ev->re[i]);
	free(ev->re);
	free(ev->keys);
	free(ev->scratch);
	memset(ev, 0, sizeof *ev);
}

static int cmp_result(int c, enum ottl_cmp op)
{
	switch (op) {
	case OTTL_EQ:
		return c == 0;
	case OTTL_NE:
		return c != 0;
	case OTTL_LT:
		return c < 0;
	case OTTL_LE:
		return c <= 0;
	case OTTL_GT:
		return c > 0;
	case OTTL_GE:
		return c >= 0;
	}
	return 0;
}

static int bytes_cmp(const struct ottl_value *a, const struct ottl_value *b)
{
	size_t n = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
	int c = n ? memcmp(a->u.s.p, b->u.s.p, n) : 0;

	if (c)
		return c;
	return a->u.s.len < b->u.s.len ? -1 : a->u.s.len > b->u.s.len;
}

static bool is_number(enum ottl_type t)
{
	return t == OTTL_INT || t == OTTL_DOUBLE;
}

int ottl_eval_compare(const struct ottl_value *a, const struct ottl_value *b, enum ottl_cmp op)
{
	if (a->type == OTTL_NIL && b->type == OTTL_NIL)
		return op == OTTL_EQ || op == OTTL_LE || op == OTTL_GE;
	if (is_number(a->type) && is_number(b->type)) {
		if (a->type == OTTL_INT && b->type == OTTL_INT)
			return cmp_result(a->u.i < b->u.i ? -1 : a->u.i > b->u.i, op);
		double x = a->type == OTTL_INT ? (double)a->u.i : a->u.d;
		double y = b->type == OTTL_INT ? (double)b->u.i : b->u.d;
		if (isnan(x) || isnan(y)) /* unordered: only != holds */
			return op == OTTL_NE;
		return cmp_result(x < y ? -1 : x > y, op);
	}
	if (a->type != b->type || a->type == OTTL_OTHER || a->type == OTTL_NIL)
		return op == OTTL_NE;
	switch (a->type) {
	case OTTL_STRING:
	case OTTL_BYTES:
		return cmp_result(bytes_cmp(a, b), op);
	case OTTL_BOOL:
		return cmp_result((int)a->u.b - (int)b->u.b, op);
	case OTTL_TRACE_ID:
	case OTTL_SPAN_ID: {
		bool eq = bytes_cmp(a, b) == 0; /* equality only, as Go's == on arrays */
		return op == OTTL_EQ ? eq : op == OTTL_NE ? !eq : 0;
	}
	default:
		return op == OTTL_NE;
	}
}

/* Id fields: the wire's empty id is pdata's all-zero one. */
static size_t id_len(uint16_t f)
{
	switch (f) {
	case OTTL_F_SPAN_TRACE_ID:
	case OTTL_F_LOG_TRACE_ID:
		return 16;
	case OTTL_F_SPAN_SPAN_ID:
	case OTTL_F_SPAN_PARENT_SPAN_ID:
	case OTTL_F_LOG_SPAN_ID:
		return 8;
	default:
		return 0;
	}
}

static int eval_bool(const struct ottl_eval *ev, const struct ottl_eval_accessor *acc, void *item,
		     uint16_t i);

static int field_value(const struct ottl_eval_accessor *acc, void *item, const struct ottl_node *n,
		       struct ottl_value *out, char hex[ID_HEX_MAX])
{
	static const uint8_t zero[16];
	size_t want = id_len(n->arg);
	int rc = acc->field(item, (enum ottl_field)n->arg, out);

	if (rc < 0 || !want)
		return rc;
	if (out->type == OTTL_NIL || (out->type == OTTL_BYTES && out->u.s.len == 0))
		out->u.s.p = zero, out->u.s.len = want;
	else if ((out->type != OTTL_BYTES && out->type != OTTL_TRACE_ID && out->type != OTTL_SPAN_ID) ||
		 out->u.s.len != want)
		return -EINVAL; /* a malformed id */
	out->type = want == 16 ? OTTL_TRACE_ID : OTTL_SPAN_ID;
	if (n->op) { /* trace_id.string */
		static const char digits[] = "0123456789abcdef";
		for (size_t k = 0; k < want; k++) {
			hex[2 * k] = digits[out->u.s.p[k] >> 4];
			hex[2 * k + 1] = digits[out->u.s.p[k] & 15];
		}
		out->type = OTTL_STRING;
		out->u.s.p = (const uint8_t *)hex;
		out->u.s.len = 2 * want;
	}
	return 0;
}

/* The value of a value node; hex: room for an id's .string form. */
static int value_of(const struct ottl_eval *ev, const struct ottl_eval_accessor *acc, void *item, uint16_t i,
		    struct ottl_value *out, char hex[ID_HEX_MAX])
{
	const struct ottl_node *n = &ev->cond->nodes[i];
	int rc;

	switch (n->kind) {
	case OTTL_N_LITERAL:
		*out = n->v;
		return 0;
	case OTTL_N_ATTR:
		return acc->attr(item, &ev->keys[n->arg], out);
	case OTTL_N_FIELD:
		return field_value(acc, item, n, out, hex);
	case OTTL_N_ISMATCH:
		if ((rc = eval_bool(ev, acc, item, i)) < 0)
			return rc;
		out->type = OTTL_BOOL;
		out->u.b = rc;
		return 0;
	default:
		return -EINVAL;
	}
}

static int eval_ismatch(const struct ottl_eval *ev, const struct ottl_eval_accessor *acc, void *item,
			const struct ottl_node *n)
{
	struct ottl_value v;
	char hex[ID_HEX_MAX], num[64];
	const uint8_t *p = (const uint8_t *)num;
	size_t len = 0;
	int rc = value_of(ev, acc, item, n->a, &v, hex);

	if (rc < 0)
		return rc;
	switch (v.type) {
	case OTTL_NIL:
		return 0;
	case OTTL_STRING:
		p = v.u.s.p;
		len = v.u.s.len;
		break;
	case OTTL_INT:
		len = (size_t)snprintf(num, sizeof num, "%" PRId64, v.u.i);
		break;
	case OTTL_DOUBLE:
		if ((rc = ottl_double_text(v.u.d, OTTL_DOUBLE_JSON, num, sizeof num)) < 0)
			return -ENOTSUP; /* json.Marshal refuses NaN and infinities */
		len = (size_t)rc;
		break;
	case OTTL_BOOL:
		len = (size_t)snprintf(num, sizeof num, "%s", v.u.b ? "true" : "false");
		break;
	case OTTL_BYTES: {
		static const char digits[] = "0123456789abcdef";
		if (v.u.s.len > OTTL_EVAL_HEX_MAX)
			return -E2BIG;
		for (size_t k = 0; k < v.u.s.len; k++) {
			ev->scratch[2 * k] = (uint8_t)digits[v.u.s.p[k] >> 4];
			ev->scratch[2 * k + 1] = (uint8_t)digits[v.u.s.p[k] & 15];
		}
		p = ev->scratch;
		len = 2 * v.u.s.len;
		break;
	}
	default:
		return -ENOTSUP;
	}
	return match_re_test(&ev->re[n->arg], p, len);
}

/* An id's .string form needs text buffers: kept off the usual path. */
static __attribute__((noinline)) int eval_cmp_hex(const struct ottl_eval *ev,
						  const struct ottl_eval_accessor *acc, void *item,
						  const struct ottl_node *n)
{
	struct ottl_value a, b;
	char ha[ID_HEX_MAX], hb[ID_HEX_MAX];
	int r;

	if ((r = value_of(ev, acc, item, n->a, &a, ha)) < 0 ||
	    (r = value_of(ev, acc, item, n->b, &b, hb)) < 0)
		return r;
	return ottl_eval_compare(&a, &b, (enum ottl_cmp)n->op);
}

/* The usual comparison (a path against a literal): literals are used in
 * place, and equal-typed strings and ints are compared here; everything
 * else goes through ottl_eval_compare. */
static inline int eval_cmp(const struct ottl_eval *ev, const struct ottl_eval_accessor *acc, void *item,
			   const struct ottl_node *n)
{
	const struct ottl_node *l = &ev->cond->nodes[n->a], *r = &ev->cond->nodes[n->b];
	const struct ottl_value *a = &l->v, *b = &r->v;
	struct ottl_value va, vb;
	enum ottl_cmp op = (enum ottl_cmp)n->op;
	int rc;

	if ((l->kind == OTTL_N_FIELD && l->op) || (r->kind == OTTL_N_FIELD && r->op))
		return eval_cmp_hex(ev, acc, item, n);
	if (l->kind != OTTL_N_LITERAL) {
		rc = l->kind == OTTL_N_ATTR ? acc->attr(item, &ev->keys[l->arg], &va)
					    : value_of(ev, acc, item, n->a, &va, NULL);
		if (rc < 0)
			return rc;
		a = &va;
	}
	if (r->kind != OTTL_N_LITERAL) {
		rc = r->kind == OTTL_N_ATTR ? acc->attr(item, &ev->keys[r->arg], &vb)
					    : value_of(ev, acc, item, n->b, &vb, NULL);
		if (rc < 0)
			return rc;
		b = &vb;
	}
	if (a->type == b->type) {
		if (a->type == OTTL_STRING && op <= OTTL_NE) {
			bool eq = a->u.s.len == b->u.s.len &&
				  (a->u.s.len == 0 || !memcmp(a->u.s.p, b->u.s.p, a->u.s.len));
			return eq ^ (op == OTTL_NE);
		}
		if (a->type == OTTL_INT)
			return cmp_result(a->u.i < b->u.i ? -1 : a->u.i > b->u.i, op);
	}
	return ottl_eval_compare(a, b, op);
}

static int eval_bool(const struct ottl_eval *ev, const struct ottl_eval_accessor *acc, void *item, uint16_t i)
{
	const struct ottl_node *nodes = ev->cond->nodes, *n = &nodes[i];
	int r;

	switch (n->kind) {
	case OTTL_N_OR:
		for (uint16_t k = n->a; k != OTTL_NONE; k = nodes[k].next)
			if ((r = eval_bool(ev, acc, item, k)) != 0)
				return r;
		return 0;
	case OTTL_N_AND:
		for (uint16_t k = n->a; k != OTTL_NONE; k = nodes[k].next)
			if ((r = eval_bool(ev, acc, item, k)) <= 0)
				return r;
		return 1;
	case OTTL_N_NOT:
		r = eval_bool(ev, acc, item, n->a);
		return r < 0 ? r : !r;
	case OTTL_N_CMP:
		return eval_cmp(ev, acc, item, n);
	case OTTL_N_ISMATCH:
		return eval_ismatch(ev, acc, item, n);
	case OTTL_N_LITERAL:
		return n->v.type == OTTL_BOOL ? n->v.u.b : -EINVAL;
	default:
		return -EINVAL;
	}
}

int ottl_eval_run(const struct ottl_eval *ev, const struct ottl_eval_accessor *acc, void *item)
{
	return eval_bool(ev, acc, item, ev->cond->root);
}
