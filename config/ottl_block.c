/* config/ottl_block.c: ottl_parse's entry points. The parser works in
 * scratch sized from the text (nodes: at most one per token; strings: the
 * unescaped literals plus the POSIX forms of patterns, which \w and
 * friends grow at most 7x); the result is then copied into one block of
 * exactly its size, from malloc or from the config's arena. */
#include "config/ottl_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/arena.h"

typedef void *(*block_alloc)(void *ctx, size_t n);

static size_t align16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

static const uint8_t *rebase(const uint8_t *ptr, const struct ottl_parser *p, uint8_t *pool)
{
	return ptr ? pool + (ptr - p->pool) : NULL;
}

static struct ottl_cond *build(const struct ottl_parser *p, int root, block_alloc alloc, void *actx)
{
	size_t off_nodes = align16(sizeof(struct ottl_cond));
	size_t off_keys = off_nodes + align16(p->n_nodes * sizeof(struct ottl_node));
	size_t off_regex = off_keys + align16(p->n_keys * sizeof(struct ottl_key));
	size_t off_pool = off_regex + align16(p->n_regex * sizeof(struct ottl_regex));
	size_t off_text = off_pool + p->pool_used;
	size_t size = off_text + p->len + 1;
	uint8_t *b = alloc(actx, size);

	if (!b)
		return NULL;
	memset(b, 0, off_pool);
	struct ottl_cond *c = (struct ottl_cond *)b;
	struct ottl_node *nodes = (struct ottl_node *)(b + off_nodes);
	struct ottl_key *keys = (struct ottl_key *)(b + off_keys);
	struct ottl_regex *re = (struct ottl_regex *)(b + off_regex);
	uint8_t *pool = b + off_pool;
	char *text = (char *)(b + off_text);

	memcpy(pool, p->pool, p->pool_used);
	memcpy(text, p->text, p->len);
	text[p->len] = '\0';
	for (uint16_t i = 0; i < p->n_nodes; i++) {
		nodes[i] = p->nodes[i];
		enum ottl_type t = nodes[i].v.type;
		if (nodes[i].kind == OTTL_N_LITERAL &&
		    (t == OTTL_STRING || t == OTTL_BYTES || t == OTTL_TRACE_ID || t == OTTL_SPAN_ID))
			nodes[i].v.u.s.p = rebase(nodes[i].v.u.s.p, p, pool);
	}
	for (uint16_t i = 0; i < p->n_keys; i++) {
		keys[i] = p->keys[i];
		keys[i].s = rebase(keys[i].s, p, pool);
	}
	for (uint16_t i = 0; i < p->n_regex; i++) {
		re[i] = p->regex[i];
		re[i].source = (const char *)rebase((const uint8_t *)re[i].source, p, pool);
		re[i].posix = (const char *)rebase((const uint8_t *)re[i].posix, p, pool);
	}
	*c = (struct ottl_cond){
		.ctx = p->ctx,
		.root = (uint16_t)root,
		.n_nodes = p->n_nodes,
		.n_keys = p->n_keys,
		.n_regex = p->n_regex,
		.nodes = nodes,
		.keys = keys,
		.regex = re,
		.text = text,
		.text_len = p->len,
		.size = size,
	};
	return c;
}

static int parse(const char *text, size_t len, enum ottl_context ctx, unsigned flags, block_alloc alloc,
		 void *actx, struct ottl_cond **out, struct ottl_error *err)
{
	struct ottl_parser *p = NULL;
	int rc = -ENOMEM;

	memset(err, 0, sizeof *err);
	*out = NULL;
	if ((unsigned)ctx >= OTTL_CTX_COUNT) {
		snprintf(err->msg, sizeof err->msg, "unknown OTTL context %d", (int)ctx);
		return -EINVAL;
	}
	if (len > OTTL_MAX_TEXT) {
		err->pos = OTTL_MAX_TEXT;
		snprintf(err->msg, sizeof err->msg, "condition longer than %d bytes", OTTL_MAX_TEXT);
		return -EINVAL;
	}
	p = calloc(1, sizeof *p);
	if (!p)
		goto out;
	size_t max_nodes = len + 2 < OTTL_MAX_NODES ? len + 2 : OTTL_MAX_NODES;
	p->text = text;
	p->len = len;
	p->ctx = ctx;
	p->err = err;
	p->pool_cap = 10 * len + 64;
	p->pool = malloc(p->pool_cap);
	p->nodes = malloc(max_nodes * sizeof *p->nodes);
	p->nodes_cap = (uint16_t)max_nodes;
	if (!p->pool || !p->nodes)
		goto out;
	rc = ottl_parse_condition(p, flags);
	if (rc >= 0) {
		*out = build(p, rc, alloc, actx);
		rc = *out ? 0 : -ENOMEM;
	}
out:
	if (rc == -ENOMEM)
		snprintf(err->msg, sizeof err->msg, "out of memory");
	else if (rc < 0)
		rc = -EINVAL;
	if (p) {
		free(p->pool);
		free(p->nodes);
		free(p);
	}
	return rc;
}

static void *heap_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return malloc(n);
}

static void *arena_block(void *ctx, size_t n)
{
	return arena_alloc(ctx, n);
}

int ottl_parse(const char *text, size_t len, enum ottl_context ctx, unsigned flags, struct ottl_cond **out,
	       struct ottl_error *err)
{
	return parse(text, len, ctx, flags, heap_alloc, NULL, out, err);
}

int ottl_parse_arena(struct arena *a, const char *text, size_t len, enum ottl_context ctx, unsigned flags,
		     const struct ottl_cond **out, struct ottl_error *err)
{
	struct ottl_cond *c;
	int rc = parse(text, len, ctx, flags, arena_block, a, &c, err);

	*out = c;
	return rc;
}

void ottl_free(struct ottl_cond *c)
{
	free(c);
}
