/* ottl_eval.h: evaluates a parsed OTTL condition (config/ottl.h) against
 * one item (a resource, span, span event, log record, metric or data
 * point), reading it through an accessor the caller implements over the
 * wire form. Setup compiles the IsMatch regexps once; an evaluation
 * allocates nothing.
 *
 *   struct ottl_eval ev;
 *   if (ottl_eval_init(&ev, cond, err, sizeof err) < 0) ...
 *   for (i = 0; i < ev.n_keys; i++) ev.keys[i].bound = my_key_handle(&ev.keys[i]);
 *   int r = ottl_eval_run(&ev, &my_accessor, item);   1 true, 0 false, -errno
 *   ottl_eval_free(&ev);
 *
 * Semantics are OTTL's (pkg/ottl LANGUAGE.md, compare.go):
 * - nil == nil; nil equals nothing else (a missing attribute is nil).
 * - Values of different types are never equal and never ordered: only !=
 *   holds. int and double compare as numbers (as double); strings and
 *   bytes bytewise; false < true; trace and span ids only == and !=;
 *   arrays and kvlists (OTHER) equal nothing.
 * - and / or short-circuit left to right; an accessor error ends the
 *   evaluation with that error (the caller applies error_mode).
 * - IsMatch(v, re): false when v is nil; strings as they are, ints in
 *   decimal, doubles as Go's JSON encodes them, bools true/false, bytes as
 *   lower-case hex; ids, arrays and kvlists: -ENOTSUP.
 */
#ifndef SLUICE_STAGES_OTTL_EVAL_H
#define SLUICE_STAGES_OTTL_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "config/ottl.h"

struct match_re;

/* An attribute key the condition reads (one per distinct map and key). */
struct ottl_eval_key {
	enum ottl_map map;
	const uint8_t *s; /* into the condition block */
	size_t len;
	void *bound; /* the caller's (e.g. its key id), set after init */
};

/* Callbacks over one item; item is what ottl_eval_run was given. Each
 * returns 0 with *out set (type OTTL_NIL when absent) or a negative errno
 * (malformed input), which ends the evaluation. */
struct ottl_eval_accessor {
	/* attribute k->s of map k->map of the item */
	int (*attr)(void *item, const struct ottl_eval_key *k, struct ottl_value *out);
	/* field f of the item, typed as enum ottl_field says; ids as BYTES */
	int (*field)(void *item, enum ottl_field f, struct ottl_value *out);
};

struct ottl_eval {
	const struct ottl_cond *cond; /* not owned */
	struct ottl_eval_key *keys;   /* [n_keys], index = ottl_key index */
	size_t n_keys;
	struct match_re *re; /* [cond->n_regex] */
	uint8_t *scratch;    /* text of non-string IsMatch targets */
	size_t scratch_cap;
};

/* Compiles cond's regexps. 0, or -EINVAL / -ENOMEM with a message in err. */
int ottl_eval_init(struct ottl_eval *ev, const struct ottl_cond *cond, char *err, size_t errlen);
void ottl_eval_free(struct ottl_eval *ev);

/* 1 (true), 0 (false) or a negative errno (an accessor's; -EINVAL for an
 * id field of the wrong length (an empty one is all zeros); -ENOTSUP for an
 * IsMatch target that has no text form, -E2BIG for a bytes target over
 * OTTL_EVAL_HEX_MAX bytes). Not thread-safe per ev (the scratch). */
int ottl_eval_run(const struct ottl_eval *ev, const struct ottl_eval_accessor *acc, void *item);

#define OTTL_EVAL_HEX_MAX 4096 /* bytes an IsMatch hex-encodes */

/* Compares a and b with op as OTTL does (exposed for tests). */
int ottl_eval_compare(const struct ottl_value *a, const struct ottl_value *b, enum ottl_cmp op);

#endif
