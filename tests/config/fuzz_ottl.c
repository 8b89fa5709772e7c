/* libFuzzer: arbitrary bytes as an OTTL condition. The first byte picks
 * the context (and the route() statement form); the rest is the text.
 * The parser must refuse with a message and an offset inside the text, or
 * parse; what parses must print, the printout must parse to the same
 * printout, and both must evaluate to the same answer against a fixed fake
 * item (1, 0, or an error an IsMatch target may give). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/ottl.h"
#include "stages/ottl_eval.h"
#include "tests/stages/ottl_fake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct fake_attr attrs[] = {
	{ OTTL_MAP_ITEM, "a", FV_S("payments") },
	{ OTTL_MAP_ITEM, "k", FV_I(200) },
	{ OTTL_MAP_ITEM, "x", FV_D(0.25) },
	{ OTTL_MAP_ITEM, "b", FV_B(true) },
	{ OTTL_MAP_ITEM, "y", FV_BY("\xde\xad") },
	{ OTTL_MAP_ITEM, "l", FV_OTHER },
	{ OTTL_MAP_RESOURCE, "service.name", FV_S("checkout") },
	{ OTTL_MAP_SCOPE, "a", FV_S("s") },
	{ OTTL_MAP_SPAN, "a", FV_S("p") },
};

static void fill(struct fake_item *it)
{
	memset(it, 0, sizeof *it);
	it->attrs = attrs;
	it->n_attrs = sizeof attrs / sizeof attrs[0];
	it->fail_field = -1;
	for (int f = 0; f < OTTL_F_COUNT; f++)
		it->fields[f] = FV_I(f);
	it->fields[OTTL_F_SPAN_NAME] = FV_S("GET /api/items/42");
	it->fields[OTTL_F_EVENT_NAME] = FV_S("exception");
	it->fields[OTTL_F_LOG_BODY] = FV_S("hello world");
	it->fields[OTTL_F_METRIC_NAME] = FV_S("http.server.duration");
	it->fields[OTTL_F_DP_VALUE_DOUBLE] = FV_D(-1.5e300);
	it->fields[OTTL_F_METRIC_IS_MONOTONIC] = FV_B(false);
	it->fields[OTTL_F_SPAN_TRACE_ID] =
		FV_BY("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10");
	it->fields[OTTL_F_LOG_TRACE_ID] = FV_BY("");
	it->fields[OTTL_F_SPAN_SPAN_ID] = FV_BY("\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8");
	it->fields[OTTL_F_SPAN_PARENT_SPAN_ID] = (struct ottl_value){ .type = OTTL_NIL };
	it->fields[OTTL_F_LOG_SPAN_ID] = FV_BY("");
}

static int evaluate(const struct ottl_cond *c)
{
	struct ottl_eval ev;
	struct fake_item item;
	char err[256];

	if (ottl_eval_init(&ev, c, err, sizeof err) < 0) {
		fprintf(stderr, "parsed, but the evaluator refuses it: %s\n%s\n", err, c->text);
		abort();
	}
	fill(&item);
	int r = ottl_eval_run(&ev, &fake_accessor, &item);
	if (r != 0 && r != 1 && r != -ENOTSUP) {
		fprintf(stderr, "evaluation gave %d\n%s\n", r, c->text);
		abort();
	}
	ottl_eval_free(&ev);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[64 * 1024], out2[64 * 1024];
	struct ottl_cond *c, *again;
	struct ottl_error err;

	if (size < 1)
		return 0;
	enum ottl_context ctx = (enum ottl_context)(data[0] % OTTL_CTX_COUNT);
	unsigned flags = data[0] & 0x80 ? OTTL_PARSE_ROUTE : 0;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;

	if (ottl_parse(text, len, ctx, flags, &c, &err) < 0) {
		if (!err.msg[0] || err.pos > len) {
			fprintf(stderr, "bad error: offset %u of %zu, \"%s\"\n", err.pos, len, err.msg);
			abort(); /* every failure explains itself, inside the text */
		}
		return 0;
	}
	size_t n = ottl_print(c, out, sizeof out);
	if (n >= sizeof out)
		abort(); /* a condition of at most 8 KiB prints in far less than 64 */
	if (ottl_parse(out, n, ctx, 0, &again, &err) < 0) {
		fprintf(stderr, "printout does not parse: %u: %s\n%s\n", err.pos, err.msg, out);
		abort();
	}
	ottl_print(again, out2, sizeof out2);
	if (strcmp(out, out2)) {
		fprintf(stderr, "printout changed on reparse:\n%s\n---\n%s\n", out, out2);
		abort();
	}
	int r1 = evaluate(c), r2 = evaluate(again);
	if (r1 != r2) {
		fprintf(stderr, "printout evaluates differently (%d, %d):\n%s\n", r1, r2, out);
		abort();
	}
	ottl_free(again);
	ottl_free(c);
	return 0;
}
