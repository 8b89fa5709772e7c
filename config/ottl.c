/* config/ottl.c: the OTTL condition parser, recursive descent over
 * ottl_lex.c's tokens into a scratch node array (ottl_block.c copies it
 * into one block sized to fit; ottl_call.c parses the converters).
 * Precedence as OTTL's grammar has it: `not` applies to one boolean (a
 * comparison, a constant, a converter or a parenthesised condition),
 * `and` binds tighter than `or`. and/or keep their operands as
 * a sibling list (not nested pairs), so a long `or` chain costs no depth in
 * the evaluator and the printer. */
#include "config/ottl_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_NAME_MAX 128

static int lex(struct ottl_parser *p)
{
	return ottl_lex(p);
}

int ottl_node_new(struct ottl_parser *p, enum ottl_node_kind kind, uint32_t pos)
{
	if (p->n_nodes >= OTTL_MAX_NODES)
		return ottl_fail(p, pos, "condition too long (more than %d parts)", OTTL_MAX_NODES);
	if (p->n_nodes >= p->nodes_cap) /* a node takes a token, a token a byte */
		return ottl_fail(p, pos, "internal error: more nodes than tokens");
	struct ottl_node *n = &p->nodes[p->n_nodes];
	memset(n, 0, sizeof *n);
	n->kind = (uint8_t)kind;
	n->pos = pos;
	n->a = n->b = n->next = OTTL_NONE;
	return p->n_nodes++;
}

int ottl_fail_got(struct ottl_parser *p, const char *what)
{
	char d[64];

	if (p->tok.kind == T_MATH)
		return ottl_fail(p, p->tok.pos, "math expressions (+ - * /) are not supported");
	if ((p->tok.kind == T_IDENT || p->tok.kind == T_UPPER) && p->tok.pos > 0 &&
	    p->text[p->tok.pos - 1] >= '0' && p->text[p->tok.pos - 1] <= '9' &&
	    (p->text[p->tok.pos] == 'e' || p->text[p->tok.pos] == 'E'))
		return ottl_fail(p, p->tok.pos, "an exponent needs a float with a '.' (1.0e5, not 1e5)");
	return ottl_fail(p, p->tok.pos, "expected %s, got %s", what, ottl_tok_desc(p, d, sizeof d));
}

int ottl_enter(struct ottl_parser *p)
{
	if (++p->depth > OTTL_MAX_DEPTH)
		return ottl_fail(p, p->tok.pos, "nested too deeply (more than %d levels)", OTTL_MAX_DEPTH);
	return 0;
}

static bool ident_is(const struct ottl_parser *p, const char *word)
{
	return p->tok.kind == T_IDENT && p->tok.len == strlen(word) &&
	       !memcmp(p->text + p->tok.pos, word, p->tok.len);
}

static int literal(struct ottl_parser *p, enum ottl_type type, uint32_t pos)
{
	int n = ottl_node_new(p, OTTL_N_LITERAL, pos);

	if (n >= 0)
		p->nodes[n].v.type = type;
	return n;
}

static int key_index(struct ottl_parser *p, enum ottl_map map, const uint8_t *s, size_t len, uint32_t pos)
{
	for (uint16_t i = 0; i < p->n_keys; i++)
		if (p->keys[i].map == map && p->keys[i].len == len && !memcmp(p->keys[i].s, s, len))
			return i;
	if (p->n_keys >= OTTL_MAX_KEYS)
		return ottl_fail(p, pos, "more than %d distinct attribute keys in one condition",
				 OTTL_MAX_KEYS);
	p->keys[p->n_keys] = (struct ottl_key){ .map = map, .s = s, .len = len };
	return p->n_keys++;
}

static int parse_list(struct ottl_parser *p, bool is_or);

static int parse_enum(struct ottl_parser *p, const struct ottl_token *t)
{
	int64_t value;
	bool in_ctx;
	int e = ottl_enum_find(p->text + t->pos, t->len, p->ctx, &value, &in_ctx);

	if (e < 0)
		return ottl_fail(p, t->pos, "unknown enum '%.*s'", (int)t->len, p->text + t->pos);
	if (!in_ctx)
		return ottl_fail(p, t->pos, "enum '%.*s' is not available in the %s context", (int)t->len,
				 p->text + t->pos, ottl_context_name(p->ctx));
	int n = literal(p, OTTL_INT, t->pos);
	if (n >= 0) {
		p->nodes[n].v.u.i = value;
		p->nodes[n].arg = (uint16_t)(e + 1);
	}
	return n;
}

/* name(.name)*(["key"])? : t is the first name, the current token follows it */
static int parse_path(struct ottl_parser *p, const struct ottl_token *t)
{
	char name[PATH_NAME_MAX];
	size_t nl = 0, klen = 0;
	const uint8_t *key = NULL;
	uint32_t key_pos = 0;
	int rc;

	struct ottl_token next;
	for (const struct ottl_token *seg = t;;) {
		if (nl + seg->len + 2 > sizeof name)
			return ottl_fail(p, t->pos, "path too long");
		if (nl)
			name[nl++] = '.';
		memcpy(name + nl, p->text + seg->pos, seg->len);
		nl += seg->len;
		name[nl] = '\0';
		if (p->tok.kind != T_DOT)
			break;
		if ((rc = lex(p)) < 0)
			return rc;
		if (p->tok.kind != T_IDENT)
			return ottl_fail_got(p, "a lower-case name after '.'");
		next = p->tok;
		if ((rc = lex(p)) < 0)
			return rc;
		seg = &next;
	}
	if (p->tok.kind == T_LBRACK) {
		key_pos = p->tok.pos;
		if ((rc = lex(p)) < 0)
			return rc;
		if (p->tok.kind == T_INT)
			return ottl_fail(
				p, p->tok.pos,
				"slice indexes like [0] are not supported; attribute keys are strings, like [\"key\"]");
		if (p->tok.kind != T_STRING)
			return ottl_fail_got(p, "a string key after '['");
		key = p->tok.s;
		klen = p->tok.slen;
		if ((rc = lex(p)) < 0)
			return rc;
		if (p->tok.kind != T_RBRACK)
			return ottl_fail_got(p, "']' after the key");
		if ((rc = lex(p)) < 0)
			return rc;
		if (p->tok.kind == T_LBRACK)
			return ottl_fail(p, p->tok.pos,
					 "nested keys are not supported (one [\"key\"] after a map)");
		if (p->tok.kind == T_DOT)
			return ottl_fail(p, p->tok.pos, "unexpected '.' after a key");
	}
	bool is_map, hex;
	uint16_t id;
	if (!ottl_path_find(p->ctx, name, &is_map, &id, &hex)) {
		for (int c = 0; c < OTTL_CTX_COUNT; c++)
			if (ottl_path_find((enum ottl_context)c, name, &is_map, &id, &hex))
				return ottl_fail(p, t->pos, "path '%s' is not available in the %s context",
						 name, ottl_context_name(p->ctx));
		return ottl_fail(p, t->pos, "unknown path '%s'", name);
	}
	if (is_map && !key)
		return ottl_fail(p, t->pos, "path '%s' needs a key, like %s[\"name\"]", name, name);
	if (!is_map && key)
		return ottl_fail(p, key_pos, "path '%s' cannot be indexed", name);
	int n = ottl_node_new(p, is_map ? OTTL_N_ATTR : OTTL_N_FIELD, t->pos);
	if (n < 0)
		return n;
	if (is_map) {
		int k = key_index(p, (enum ottl_map)id, key, klen, key_pos);
		if (k < 0)
			return k;
		p->nodes[n].arg = (uint16_t)k;
	} else {
		p->nodes[n].arg = id;
		p->nodes[n].op = hex;
	}
	return n;
}

int ottl_parse_value(struct ottl_parser *p)
{
	struct ottl_token t = p->tok;
	int n = -1, rc;

	switch (t.kind) {
	case T_STRING:
	case T_BYTES:
		if ((n = literal(p, t.kind == T_STRING ? OTTL_STRING : OTTL_BYTES, t.pos)) >= 0)
			p->nodes[n].v.u.s.p = t.s, p->nodes[n].v.u.s.len = t.slen;
		break;
	case T_INT:
		if ((n = literal(p, OTTL_INT, t.pos)) >= 0)
			p->nodes[n].v.u.i = t.i;
		break;
	case T_FLOAT:
		if ((n = literal(p, OTTL_DOUBLE, t.pos)) >= 0)
			p->nodes[n].v.u.d = t.d;
		break;
	case T_TRUE:
	case T_FALSE:
		if ((n = literal(p, OTTL_BOOL, t.pos)) >= 0)
			p->nodes[n].v.u.b = t.kind == T_TRUE;
		break;
	case T_NIL:
		n = literal(p, OTTL_NIL, t.pos);
		break;
	case T_IDENT:
	case T_UPPER:
	case T_NAME:
		if ((rc = lex(p)) < 0)
			return rc;
		if (p->tok.kind == T_LPAREN)
			return ottl_parse_call(p, &t);
		if (t.kind == T_UPPER)
			return parse_enum(p, &t);
		if (t.kind == T_NAME)
			return ottl_fail(
				p, t.pos,
				"unknown name '%.*s' (paths are lower case, enums upper case; converters are called as Name(...))",
				(int)t.len, p->text + t.pos);
		return parse_path(p, &t);
	case T_LBRACK:
		return ottl_fail(p, t.pos, "lists are not supported");
	default:
		return ottl_fail_got(p, "a value (a path, a literal, an enum or IsMatch(...))");
	}
	if (n < 0)
		return n;
	return (rc = lex(p)) < 0 ? rc : n;
}

/* comparison | true | false | IsMatch(...) | ( condition ) */
static int parse_primary(struct ottl_parser *p)
{
	int rc;

	if (p->tok.kind == T_LPAREN) {
		uint32_t open = p->tok.pos;
		if ((rc = ottl_enter(p)) < 0 || (rc = lex(p)) < 0)
			return rc;
		int inner = parse_list(p, true);
		if (inner < 0)
			return inner;
		if (p->tok.kind != T_RPAREN) {
			char what[64];
			snprintf(what, sizeof what, "')' to close the '(' at offset %u", open);
			return ottl_fail_got(p, what);
		}
		p->depth--;
		return (rc = lex(p)) < 0 ? rc : inner;
	}
	uint32_t pos = p->tok.pos;
	int v = ottl_parse_value(p);
	if (v < 0)
		return v;
	if (p->tok.kind == T_CMP) {
		enum ottl_cmp op = p->tok.op;
		int r, n;
		if ((rc = lex(p)) < 0 || (r = ottl_parse_value(p)) < 0 ||
		    (n = ottl_node_new(p, OTTL_N_CMP, pos)) < 0)
			return -EINVAL;
		p->nodes[n].op = (uint8_t)op;
		p->nodes[n].a = (uint16_t)v;
		p->nodes[n].b = (uint16_t)r;
		return n;
	}
	const struct ottl_node *n = &p->nodes[v];
	if ((n->kind == OTTL_N_LITERAL && n->v.type == OTTL_BOOL) || n->kind == OTTL_N_ISMATCH)
		return v;
	return ottl_fail_got(p, "a comparison operator (== != < <= > >=)");
}

static int parse_boolean(struct ottl_parser *p)
{
	int rc;

	if (p->tok.kind != T_NOT)
		return parse_primary(p);
	uint32_t pos = p->tok.pos;
	if ((rc = ottl_enter(p)) < 0 || (rc = lex(p)) < 0)
		return rc;
	if (p->tok.kind == T_NOT)
		return ottl_fail(p, p->tok.pos, "'not' cannot follow 'not' (write not (not ...))");
	int inner = parse_primary(p), n;
	if (inner < 0 || (n = ottl_node_new(p, OTTL_N_NOT, pos)) < 0)
		return -EINVAL;
	p->nodes[n].a = (uint16_t)inner;
	p->depth--;
	return n;
}

static int parse_list(struct ottl_parser *p, bool is_or)
{
	enum ottl_tok op = is_or ? T_OR : T_AND;
	uint32_t pos = p->tok.pos;
	int first = is_or ? parse_list(p, false) : parse_boolean(p), n, rc;

	if (first < 0 || p->tok.kind != op)
		return first;
	if ((n = ottl_node_new(p, is_or ? OTTL_N_OR : OTTL_N_AND, pos)) < 0)
		return n;
	p->nodes[n].a = (uint16_t)first;
	for (int last = first; p->tok.kind == op;) {
		if ((rc = lex(p)) < 0)
			return rc;
		int next = is_or ? parse_list(p, false) : parse_boolean(p);
		if (next < 0)
			return next;
		p->nodes[last].next = (uint16_t)next;
		last = next;
	}
	return n;
}

/* "route() where" before the condition; a bare route() routes everything */
static int parse_route(struct ottl_parser *p)
{
	int rc;

	if (!ident_is(p, "route"))
		return ottl_fail_got(p, "a routing statement: route() where <condition>");
	if ((rc = lex(p)) < 0)
		return rc;
	if (p->tok.kind != T_LPAREN)
		return ottl_fail_got(p, "'(' after route");
	if ((rc = lex(p)) < 0)
		return rc;
	if (p->tok.kind != T_RPAREN)
		return ottl_fail_got(p, "')' after route(");
	if ((rc = lex(p)) < 0)
		return rc;
	if (p->tok.kind == T_EOF) {
		int n = literal(p, OTTL_BOOL, p->tok.pos);
		if (n >= 0)
			p->nodes[n].v.u.b = true;
		return n;
	}
	if (!ident_is(p, "where"))
		return ottl_fail_got(p, "'where' after route()");
	return (rc = lex(p)) < 0 ? rc : (int)OTTL_NONE;
}

int ottl_parse_condition(struct ottl_parser *p, unsigned flags)
{
	int rc = lex(p);

	if (rc < 0)
		return rc;
	if (flags & OTTL_PARSE_ROUTE) {
		rc = parse_route(p);
		if (rc != (int)OTTL_NONE)
			return rc;
	}
	if (p->tok.kind == T_EOF)
		return ottl_fail(p, p->tok.pos, "empty condition");
	int root = parse_list(p, true);
	if (root < 0)
		return root;
	if (p->tok.kind != T_EOF)
		return ottl_fail_got(p, "'and', 'or' or the end of the condition");
	return root;
}
