/* config/ottl_call.c: the converters sluice supports in a condition:
 * IsMatch(value, "regexp") (RE2 as Collector users write it, translated
 * to POSIX ERE by config/regex.c), TraceID(0x...) and SpanID(0x...) (id
 * literals). Anything else OTTL offers is refused by name. */
#include "config/ottl_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/arena.h"
#include "config/loader.h"

/* The pattern goes through config/regex.c's RE2 -> POSIX translation and
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
	struct config_error ce = { 0 };
	struct schema_ctx sc = { .a = a, .file = "", .err = &ce };
	struct sluice_regex rx = { 0 };
	/* lazy repeats lose their ? there (IsMatch only asks whether it matches) */
	char *pat = arena_alloc(a, len + 1);
	int rc = -ENOMEM;
	if (pat) {
		memcpy(pat, src, len);
		pat[len] = '\0';
		rc = match_regex(&sc, NULL, "IsMatch", pat, false, &rx);
	}
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
			p->regex[p->n_regex] = (struct ottl_regex){ .source = (const char *)src,
								    .posix = (const char *)posix,
								    .n_groups = (uint16_t)rx.n_groups };
			rc = p->n_regex++;
		} else {
			rc = -EINVAL;
		}
	}
	arena_free(a);
	return rc;
}

/* Whether the current name is followed by a lone '=' (name = value). */
static bool named_arg(const struct ottl_parser *p)
{
	size_t i = p->at;

	while (i < p->len && (p->text[i] == ' ' || p->text[i] == '\t' || p->text[i] == '\n' ||
			      p->text[i] == '\r' || p->text[i] == '\f'))
		i++;
	return i < p->len && p->text[i] == '=' && (i + 1 >= p->len || p->text[i + 1] != '=');
}

enum conv {
	CONV_ISMATCH,
	CONV_TRACEID,
	CONV_SPANID
};
static const char *const conv_names[] = { "IsMatch", "TraceID", "SpanID" };

/* name( args ): the current token is '(' */
int ottl_parse_call(struct ottl_parser *p, const struct ottl_token *name)
{
	const char *nm = p->text + name->pos;
	int which = -1, args[3], nargs = 0, rc;
	uint32_t arg_pos[3];

	for (int i = 0; i < 3; i++)
		if (strlen(conv_names[i]) == name->len && !memcmp(conv_names[i], nm, name->len))
			which = i;
	if (which < 0 && nm[0] >= 'a' && nm[0] <= 'z')
		return ottl_fail(
			p, name->pos,
			"'%.*s' is not a converter (converter names start with an upper-case letter; sluice supports IsMatch, TraceID, SpanID)",
			(int)name->len, nm);
	if (which < 0)
		return ottl_fail(p, name->pos,
				 "unknown converter '%.*s' (sluice supports IsMatch, TraceID, SpanID)",
				 (int)name->len, nm);
	if ((rc = ottl_enter(p)) < 0 || (rc = ottl_lex(p)) < 0)
		return rc;
	while (p->tok.kind != T_RPAREN) {
		if (nargs == 3)
			return ottl_fail(p, p->tok.pos, "too many arguments to %s", conv_names[which]);
		arg_pos[nargs] = p->tok.pos;
		if (p->tok.kind == T_IDENT && named_arg(p))
			return ottl_fail(p, p->tok.pos, "named arguments (name = value) are not supported");
		if ((args[nargs++] = ottl_parse_value(p)) < 0)
			return -EINVAL;
		if (p->tok.kind == T_EQUAL)
			return ottl_fail(p, p->tok.pos, "named arguments (name = value) are not supported");
		if (p->tok.kind != T_COMMA)
			break;
		if ((rc = ottl_lex(p)) < 0)
			return rc;
	}
	if (p->tok.kind != T_RPAREN)
		return ottl_fail_got(p, "')' after arguments");
	if ((rc = ottl_lex(p)) < 0)
		return rc;
	p->depth--;
	if (p->tok.kind == T_LBRACK)
		return ottl_fail(p, p->tok.pos, "indexing the result of %s(...) is not supported",
				 conv_names[which]);
	if (which == CONV_ISMATCH) {
		if (nargs != 2)
			return ottl_fail(p, name->pos, "IsMatch takes 2 arguments (target, pattern), got %d",
					 nargs);
		struct ottl_node *pat = &p->nodes[args[1]];
		if (pat->kind != OTTL_N_LITERAL || pat->v.type != OTTL_STRING)
			return ottl_fail(p, arg_pos[1], "IsMatch's pattern must be a string literal");
		int re = regex_add(p, pat->v.u.s.p, pat->v.u.s.len, arg_pos[1]);
		int n = re < 0 ? re : ottl_node_new(p, OTTL_N_ISMATCH, name->pos);
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
