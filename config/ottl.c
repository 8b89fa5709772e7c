/* config/ottl.c: the OTTL condition parser, recursive descent over
 * ottl_lex.c's tokens into a scratch node array, then copied into one
 * block sized to fit. Precedence as OTTL's grammar has it: `not` applies
 * to one boolean (a comparison, a constant, a converter or a parenthesised
 * condition), `and` binds tighter than `or`. and/or keep their operands as
 * a sibling list (not nested pairs), so a long `or` chain costs no depth in
 * the evaluator and the printer. */
#include "config/ottl_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/arena.h"
#include "config/loader.h"

#define PATH_NAME_MAX 128

static int lex(struct ottl_parser *p) { return ottl_lex(p); }

static int node_new(struct ottl_parser *p, enum ottl_node_kind kind, uint32_t pos)
{
	if (p->n_nodes >= OTTL_MAX_NODES)
		return ottl_fail(p, pos, "condition too long (more than %d parts)", OTTL_MAX_NODES);
	struct ottl_node *n = &p->nodes[p->n_nodes];
	memset(n, 0, sizeof *n);
	n->kind = (uint8_t)kind;
	n->pos = pos;
	n->a = n->b = n->next = OTTL_NONE;
	return p->n_nodes++;
}

static int fail_got(struct ottl_parser *p, const char *what)
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

static int enter(struct ottl_parser *p)
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
	int n = node_new(p, OTTL_N_LITERAL, pos);

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
		return ottl_fail(p, pos, "more than %d distinct attribute keys in one condition", OTTL_MAX_KEYS);
	p->keys[p->n_keys] = (struct ottl_key){ .map = map, .s = s, .len = len };
	return p->n_keys++;
}

/* The pattern goes through config/match.c's RE2 -> POSIX translation and
 * its checks (nested repeats, size), which report into a schema_ctx: its
 * message, minus the empty file name, becomes ours. */
static int regex_add(struct ottl_parser *p, const uint8_t *src, size_t len, uint32_t pos)
{
	if (p->n_regex >= OTTL_MAX_REGEX)
		return ottl_fail(p, pos, "more than %d IsMatch calls in one condition", OTTL_MAX_REGEX);
	if (memchr(src, '\0', len))
		return ottl_fail(p, pos, "NUL byte in an IsMatch pattern");
	struct arena *a = arena_new();
	if (!a)
		return ottl_fail(p, pos, "out of memory");
	struct config_error ce = {0};
	struct schema_ctx sc = { .a = a, .file = "", .err = &ce };
	struct sluice_regex rx = {0};
	int rc = match_regex(&sc, NULL, "IsMatch", (const char *)src, false, &rx);
	if (rc == -EINVAL) {
		rc = ottl_fail(p, pos, "%s", ce.msg + (strncmp(ce.msg, ": ", 2) ? 0 : 2));
	} else if (rc < 0) {
		rc = ottl_fail(p, pos, "out of memory");
	} else if (rx.n_groups > OTTL_MAX_GROUPS) {
		rc = ottl_fail(p, pos, "IsMatch pattern has more than %d groups", OTTL_MAX_GROUPS);
	} else {
		size_t n = strlen(rx.posix) + 1;
		uint8_t *posix = ottl_pool(p, n);
		if (posix) {
			memcpy(posix, rx.posix, n);
			p->regex[p->n_regex] = (struct ottl_regex){
				.source = (const char *)src, .posix = (const char *)posix,
				.n_groups = (uint16_t)rx.n_groups };
			rc = p->n_regex++;
		} else {
			rc = -EINVAL;
		}
	}
	arena_free(a);
	return rc;
}

static int parse_value(struct ottl_parser *p);
static int parse_list(struct ottl_parser *p, bool is_or);

/* Whether the current name is followed by a lone '=' (name = value). */
static bool named_arg(const struct ottl_parser *p)
{
	size_t i = p->at;

	while (i < p->len && (p->text[i] == ' ' || p->text[i] == '\t' || p->text[i] == '\n' ||
			      p->text[i] == '\r' || p->text[i] == '\f'))
		i++;
	return i < p->len && p->text[i] == '=' && (i + 1 >= p->len || p->text[i + 1] != '=');
}

enum conv { CONV_ISMATCH, CONV_TRACEID, CONV_SPANID };
static const char *const conv_names[] = {"IsMatch", "TraceID", "SpanID"};

/* name( args ): the current token is '(' */
static int parse_call(struct ottl_parser *p, const struct ottl_token *name)
{
	const char *nm = p->text + name->pos;
	int which = -1, args[3], nargs = 0, rc;
	uint32_t arg_pos[3];

	for (int i = 0; i < 3; i++)
		if (strlen(conv_names[i]) == name->len && !memcmp(conv_names[i], nm, name->len))
			which = i;
	if (which < 0 && nm[0] >= 'a' && nm[0] <= 'z')
		return ottl_fail(p, name->pos, "'%.*s' is not a converter (converter names start with an upper-case letter; sluice supports IsMatch, TraceID, SpanID)",
				 (int)name->len, nm);
	if (which < 0)
		return ottl_fail(p, name->pos, "unknown converter '%.*s' (sluice supports IsMatch, TraceID, SpanID)",
				 (int)name->len, nm);
	if ((rc = enter(p)) < 0 || (rc = lex(p)) < 0)
		return rc;
	while (p->tok.kind != T_RPAREN) {
		if (nargs == 3)
			return ottl_fail(p, p->tok.pos, "too many arguments to %s", conv_names[which]);
		arg_pos[nargs] = p->tok.pos;
		if (p->tok.kind == T_IDENT && named_arg(p))
			return ottl_fail(p, p->tok.pos, "named arguments (name = value) are not supported");
		if ((args[nargs++] = parse_value(p)) < 0)
			return -EINVAL;
		if (p->tok.kind == T_EQUAL)
			return ottl_fail(p, p->tok.pos, "named arguments (name = value) are not supported");
		if (p->tok.kind != T_COMMA)
			break;
		if ((rc = lex(p)) < 0)
			return rc;
	}
	if (p->tok.kind != T_RPAREN)
		return fail_got(p, "')' after arguments");
	if ((rc = lex(p)) < 0)
		return rc;
	p->depth--;
	if (p->tok.kind == T_LBRACK)
		return ottl_fail(p, p->tok.pos, "indexing the result of %s(...) is not supported", conv_names[which]);
	if (which == CONV_ISMATCH) {
		if (nargs != 2)
			return ottl_fail(p, name->pos, "IsMatch takes 2 arguments (target, pattern), got %d", nargs);
		struct ottl_node *pat = &p->nodes[args[1]];
		if (pat->kind != OTTL_N_LITERAL || pat->v.type != OTTL_STRING)
			return ottl_fail(p, arg_pos[1], "IsMatch's pattern must be a string literal");
		int re = regex_add(p, pat->v.u.s.p, pat->v.u.s.len, arg_pos[1]);
		int n = re < 0 ? re : node_new(p, OTTL_N_ISMATCH, name->pos);
		if (n < 0)
			return n;
		p->nodes[n].a = (uint16_t)args[0];
		p->nodes[n].arg = (uint16_t)re;
		return n;
	}
	size_t want = which == CONV_TRACEID ? 16 : 8;
	struct ottl_node *id = nargs == 1 ? &p->nodes[args[0]] : NULL;
	if (!id || id->kind != OTTL_N_LITERAL || id->v.type != OTTL_BYTES || id->v.u.s.len != want)
		return ottl_fail(p, name->pos, "%s takes one 0x literal of %zu bytes (%zu hex digits)",
				 conv_names[which], want, want * 2);
	id->v.type = which == CONV_TRACEID ? OTTL_TRACE_ID : OTTL_SPAN_ID;
	id->pos = name->pos;
	return args[0];
}

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
			return fail_got(p, "a lower-case name after '.'");
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
			return ottl_fail(p, p->tok.pos, "slice indexes like [0] are not supported; attribute keys are strings, like [\"key\"]");
		if (p->tok.kind != T_STRING)
			return fail_got(p, "a string key after '['");
		key = p->tok.s;
		klen = p->tok.slen;
		if ((rc = lex(p)) < 0)
			return rc;
		if (p->tok.kind != T_RBRACK)
			return fail_got(p, "']' after the key");
		if ((rc = lex(p)) < 0)
			return rc;
		if (p->tok.kind == T_LBRACK)
			return ottl_fail(p, p->tok.pos, "nested keys are not supported (one [\"key\"] after a map)");
		if (p->tok.kind == T_DOT)
			return ottl_fail(p, p->tok.pos, "unexpected '.' after a key");
	}
	bool is_map, hex;
	uint16_t id;
	if (!ottl_path_find(p->ctx, name, &is_map, &id, &hex)) {
		for (int c = 0; c < OTTL_CTX_COUNT; c++)
			if (ottl_path_find((enum ottl_context)c, name, &is_map, &id, &hex))
				return ottl_fail(p, t->pos, "path '%s' is not available in the %s context", name,
						 ottl_context_name(p->ctx));
		return ottl_fail(p, t->pos, "unknown path '%s'", name);
	}
	if (is_map && !key)
		return ottl_fail(p, t->pos, "path '%s' needs a key, like %s[\"name\"]", name, name);
	if (!is_map && key)
		return ottl_fail(p, key_pos, "path '%s' cannot be indexed", name);
	int n = node_new(p, is_map ? OTTL_N_ATTR : OTTL_N_FIELD, t->pos);
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

static int parse_value(struct ottl_parser *p)
{
	struct ottl_token t = p->tok;
	int n = -1, rc;

	switch (t.kind) {
	case T_STRING: case T_BYTES:
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
	case T_TRUE: case T_FALSE:
		if ((n = literal(p, OTTL_BOOL, t.pos)) >= 0)
			p->nodes[n].v.u.b = t.kind == T_TRUE;
		break;
	case T_NIL:
		n = literal(p, OTTL_NIL, t.pos);
		break;
	case T_IDENT: case T_UPPER: case T_NAME:
		if ((rc = lex(p)) < 0)
			return rc;
		if (p->tok.kind == T_LPAREN)
			return parse_call(p, &t);
		if (t.kind == T_UPPER)
			return parse_enum(p, &t);
		if (t.kind == T_NAME)
			return ottl_fail(p, t.pos, "unknown name '%.*s' (paths are lower case, enums upper case; converters are called as Name(...))",
					 (int)t.len, p->text + t.pos);
		return parse_path(p, &t);
	case T_LBRACK:
		return ottl_fail(p, t.pos, "lists are not supported");
	default:
		return fail_got(p, "a value (a path, a literal, an enum or IsMatch(...))");
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
		if ((rc = enter(p)) < 0 || (rc = lex(p)) < 0)
			return rc;
		int inner = parse_list(p, true);
		if (inner < 0)
			return inner;
		if (p->tok.kind != T_RPAREN) {
			char what[64];
			snprintf(what, sizeof what, "')' to close the '(' at offset %u", open);
			return fail_got(p, what);
		}
		p->depth--;
		return (rc = lex(p)) < 0 ? rc : inner;
	}
	uint32_t pos = p->tok.pos;
	int v = parse_value(p);
	if (v < 0)
		return v;
	if (p->tok.kind == T_CMP) {
		enum ottl_cmp op = p->tok.op;
		int r, n;
		if ((rc = lex(p)) < 0 || (r = parse_value(p)) < 0 || (n = node_new(p, OTTL_N_CMP, pos)) < 0)
			return -EINVAL;
		p->nodes[n].op = (uint8_t)op;
		p->nodes[n].a = (uint16_t)v;
		p->nodes[n].b = (uint16_t)r;
		return n;
	}
	const struct ottl_node *n = &p->nodes[v];
	if ((n->kind == OTTL_N_LITERAL && n->v.type == OTTL_BOOL) || n->kind == OTTL_N_ISMATCH)
		return v;
	return fail_got(p, "a comparison operator (== != < <= > >=)");
}

static int parse_boolean(struct ottl_parser *p)
{
	int rc;

	if (p->tok.kind != T_NOT)
		return parse_primary(p);
	uint32_t pos = p->tok.pos;
	if ((rc = enter(p)) < 0 || (rc = lex(p)) < 0)
		return rc;
	if (p->tok.kind == T_NOT)
		return ottl_fail(p, p->tok.pos, "'not' cannot follow 'not' (write not (not ...))");
	int inner = parse_primary(p), n;
	if (inner < 0 || (n = node_new(p, OTTL_N_NOT, pos)) < 0)
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
	if ((n = node_new(p, is_or ? OTTL_N_OR : OTTL_N_AND, pos)) < 0)
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
		return fail_got(p, "a routing statement: route() where <condition>");
	if ((rc = lex(p)) < 0)
		return rc;
	if (p->tok.kind != T_LPAREN)
		return fail_got(p, "'(' after route");
	if ((rc = lex(p)) < 0)
		return rc;
	if (p->tok.kind != T_RPAREN)
		return fail_got(p, "')' after route(");
	if ((rc = lex(p)) < 0)
		return rc;
	if (p->tok.kind == T_EOF) {
		int n = literal(p, OTTL_BOOL, p->tok.pos);
		if (n >= 0)
			p->nodes[n].v.u.b = true;
		return n;
	}
	if (!ident_is(p, "where"))
		return fail_got(p, "'where' after route()");
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
		return fail_got(p, "'and', 'or' or the end of the condition");
	return root;
}
