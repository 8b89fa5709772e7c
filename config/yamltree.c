/* config/yamltree.c: libyaml events -> struct ynode tree.
 *
 * The event parser (not yaml_parser_load) so that aliases can be refused
 * before anything expands them (a "billion laughs" file costs nothing) and
 * depth and node count stay bounded whatever the input. */
#include "config/yamltree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/arena.h"

struct ytx {
	struct arena *a;
	const char *name;
	struct config_error *err;
	yaml_parser_t parser;
	size_t nodes;
};

const char *yamltree_kind_name(enum ynode_kind k)
{
	switch (k) {
	case YN_NULL:
		return "null";
	case YN_SCALAR:
		return "a scalar";
	case YN_MAP:
		return "a mapping";
	case YN_SEQ:
		return "a sequence";
	}
	return "?";
}

static int fail(struct ytx *x, unsigned line, unsigned col, int rc, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int fail(struct ytx *x, unsigned line, unsigned col, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!x->err)
		return rc;
	x->err->line = line;
	x->err->col = col;
	n = snprintf(x->err->msg, sizeof(x->err->msg), "%s:%u:%u: ", x->name, line, col);
	if (n < 0 || (size_t)n >= sizeof(x->err->msg))
		return rc;
	va_start(ap, fmt);
	vsnprintf(x->err->msg + n, sizeof(x->err->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return rc;
}

static bool is_null_text(const char *s, size_t n)
{
	return n == 0 || (n == 1 && s[0] == '~') ||
	       (n == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4)));
}

static bool name_char(char c, bool first)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (!first && c >= '0' && c <= '9');
}

/* Replaces ${env:NAME}, ${NAME} and $$ in a value scalar. */
static int substitute(struct ytx *x, struct ynode *n, const char *s, size_t len)
{
	size_t cap = len + 1, out = 0;
	char *buf = NULL;
	int rc = 0;

	if (!memchr(s, '$', len)) {
		n->text = arena_strndup(x->a, s, len);
		n->len = len;
		return n->text ? 0 : -ENOMEM;
	}
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < len;) {
		const char *piece = s + i;
		size_t plen = 1;

		if (s[i] == '$' && i + 1 < len && s[i + 1] == '$') {
			i += 2;
		} else if (s[i] == '$' && i + 1 < len && s[i + 1] == '{') {
			const char *close = memchr(s + i + 2, '}', len - i - 2);
			const char *nm = s + i + 2;
			size_t nlen;

			if (!close) {
				rc = fail(x, n->line, n->col, -EINVAL,
					  "unterminated \"${\" (expected ${env:NAME} or ${NAME})");
				goto out;
			}
			nlen = (size_t)(close - nm);
			if (nlen > 4 && !memcmp(nm, "env:", 4)) {
				nm += 4;
				nlen -= 4;
			}
			bool ok = nlen > 0 && nlen < 256;
			for (size_t k = 0; ok && k < nlen; k++)
				ok = name_char(nm[k], k == 0);
			if (!ok) {
				rc = fail(
					x, n->line, n->col, -EINVAL,
					"bad variable reference \"%.*s\" (expected ${env:NAME} or ${NAME}, NAME of letters, digits, _)",
					(int)(close - s - i + 1 > 200 ? 200 : close - s - i + 1), s + i);
				goto out;
			}
			char vname[256];
			memcpy(vname, nm, nlen);
			vname[nlen] = '\0';
			piece = getenv(vname);
			if (!piece) {
				rc = fail(x, n->line, n->col, -EINVAL,
					  "environment variable \"%s\" is not set", vname);
				goto out;
			}
			plen = strlen(piece);
			i = (size_t)(close - s) + 1;
			n->substituted = true;
		} else {
			i++;
		}
		if (out + plen + 1 > cap) {
			size_t ncap = (out + plen + 1) * 2;
			char *nb;

			if (ncap > CONFIG_MAX_FILE_BYTES * 4) {
				rc = fail(x, n->line, n->col, -EFBIG, "value too long after substitution");
				goto out;
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				rc = -ENOMEM;
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		memcpy(buf + out, piece, plen);
		out += plen;
	}
	n->text = arena_strndup(x->a, buf, out);
	n->len = out;
	if (!n->text)
		rc = -ENOMEM;
out:
	free(buf);
	return rc;
}

static int next_event(struct ytx *x, yaml_event_t *ev)
{
	if (yaml_parser_parse(&x->parser, ev))
		return 0;

	yaml_parser_t *p = &x->parser;
	unsigned line = (unsigned)p->problem_mark.line + 1, col = (unsigned)p->problem_mark.column + 1;

	if (p->error == YAML_READER_ERROR) {
		/* the reader reports a byte offset, not a mark; count lines */
		const unsigned char *in = p->input.string.start;
		size_t off = p->problem_offset;
		size_t total = (size_t)(p->input.string.end - in);

		line = 1;
		col = 1;
		for (size_t i = 0; i < off && i < total; i++) {
			if (in[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		return fail(x, line, col, -EINVAL, "YAML error: %s",
			    p->problem ? p->problem : "unreadable input");
	}
	if (p->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	if (p->context)
		return fail(x, line, col, -EINVAL, "YAML syntax error: %s %s", p->problem ? p->problem : "",
			    p->context);
	return fail(x, line, col, -EINVAL, "YAML syntax error: %s", p->problem ? p->problem : "bad input");
}

/* Grows an item array in the arena (doubling; the old copy is left behind,
 * which is fine: configs are small and the arena dies with the config). */
static int push_item(struct ytx *x, struct ynode *n, size_t *cap, struct ynode *item)
{
	if (n->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct ynode **ni = arena_calloc(x->a, ncap, sizeof(*ni));

		if (!ni)
			return -ENOMEM;
		if (n->n)
			memcpy(ni, n->items, n->n * sizeof(*ni));
		n->items = ni;
		*cap = ncap;
	}
	n->items[n->n++] = item;
	return 0;
}

static int parse_node(struct ytx *x, yaml_event_t *ev, int depth, bool is_key, struct ynode **out);

static int parse_children(struct ytx *x, struct ynode *n, int depth, yaml_event_type_t end)
{
	size_t cap = 0;
	int rc;

	for (;;) {
		yaml_event_t ev;
		struct ynode *child;

		rc = next_event(x, &ev);
		if (rc < 0)
			return rc;
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return 0;
		}
		bool key = n->kind == YN_MAP && (n->n % 2) == 0;
		rc = parse_node(x, &ev, depth + 1, key, &child);
		yaml_event_delete(&ev);
		if (rc < 0)
			return rc;
		rc = push_item(x, n, &cap, child);
		if (rc < 0)
			return rc;
	}
}

/* Builds the node that starts with event *ev (which the caller deletes). */
static int parse_node(struct ytx *x, yaml_event_t *ev, int depth, bool is_key, struct ynode **out)
{
	struct ynode *n;
	unsigned line = (unsigned)ev->start_mark.line + 1, col = (unsigned)ev->start_mark.column + 1;

	if (ev->type == YAML_ALIAS_EVENT)
		return fail(x, line, col, -EINVAL, "YAML aliases (*%s) are not supported",
			    (const char *)ev->data.alias.anchor);
	if (depth > YAMLTREE_MAX_DEPTH)
		return fail(x, line, col, -EINVAL, "nesting deeper than %d levels", YAMLTREE_MAX_DEPTH);
	if (++x->nodes > YAMLTREE_MAX_NODES)
		return fail(x, line, col, -EFBIG, "more than %d YAML nodes", YAMLTREE_MAX_NODES);
	n = arena_alloc(x->a, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->line = line;
	n->col = col;
	n->index = ev->start_mark.index;
	n->end_index = ev->end_mark.index;
	*out = n;
	switch (ev->type) {
	case YAML_SCALAR_EVENT: {
		const char *s = (const char *)ev->data.scalar.value;
		size_t len = ev->data.scalar.length;

		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		switch (ev->data.scalar.style) {
		case YAML_SINGLE_QUOTED_SCALAR_STYLE:
			n->style = '\'';
			break;
		case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
			n->style = '"';
			break;
		case YAML_LITERAL_SCALAR_STYLE:
			n->style = '|';
			break;
		case YAML_FOLDED_SCALAR_STYLE:
			n->style = '>';
			break;
		default:
			n->style = 0;
			break;
		}
		/* "\0" in a quoted scalar: no key or value of ours can hold it */
		if (memchr(s, '\0', len))
			return fail(x, line, col, -EINVAL, "NUL character (\\0) in a scalar");
		if (!n->quoted && is_null_text(s, len)) {
			n->kind = YN_NULL;
			n->text = arena_strndup(x->a, s, len);
			n->len = len;
			return n->text ? 0 : -ENOMEM;
		}
		n->kind = YN_SCALAR;
		if (is_key) {
			n->text = arena_strndup(x->a, s, len);
			n->len = len;
			return n->text ? 0 : -ENOMEM;
		}
		return substitute(x, n, s, len);
	}
	case YAML_SEQUENCE_START_EVENT:
		if (is_key)
			return fail(x, line, col, -EINVAL, "expected a scalar key, got a sequence");
		n->kind = YN_SEQ;
		return parse_children(x, n, depth, YAML_SEQUENCE_END_EVENT);
	case YAML_MAPPING_START_EVENT:
		if (is_key)
			return fail(x, line, col, -EINVAL, "expected a scalar key, got a mapping");
		n->kind = YN_MAP;
		return parse_children(x, n, depth, YAML_MAPPING_END_EVENT);
	default:
		return fail(x, line, col, -EINVAL, "unexpected YAML event %d", (int)ev->type);
	}
}

int yamltree_parse(struct arena *a, const char *name, const char *data, size_t len, struct ynode **root,
		   struct config_error *err)
{
	struct ytx x = { .a = a, .name = name, .err = err };
	yaml_event_t ev;
	int rc, docs = 0;

	*root = NULL;
	if (!yaml_parser_initialize(&x.parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&x.parser, (const unsigned char *)data, len);
	for (;;) {
		rc = next_event(&x, &ev);
		if (rc < 0)
			break;
		yaml_event_type_t t = ev.type;
		unsigned line = (unsigned)ev.start_mark.line + 1, col = (unsigned)ev.start_mark.column + 1;

		if (t == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (t == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
			yaml_event_delete(&ev);
			rc = fail(&x, line, col, -EINVAL, "more than one YAML document (expected one)");
			break;
		}
		if (t == YAML_SCALAR_EVENT || t == YAML_SEQUENCE_START_EVENT ||
		    t == YAML_MAPPING_START_EVENT || t == YAML_ALIAS_EVENT) {
			rc = parse_node(&x, &ev, 0, false, root);
			yaml_event_delete(&ev);
			if (rc < 0)
				break;
			continue;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&x.parser);
	return rc;
}
