/* tests/stages/ottl_fake.h: an in-memory item behind the OTTL accessor
 * (stages/ottl_eval.h), for the evaluator's tests, its fuzz target and
 * its benchmark. Attributes are looked up by a linear scan, as a small
 * wire-form attribute list would be. */
#ifndef SLUICE_TESTS_OTTL_FAKE_H
#define SLUICE_TESTS_OTTL_FAKE_H

#include <errno.h>
#include <string.h>

#include "stages/ottl_eval.h"

#define FV_S(x) ((struct ottl_value){ .type = OTTL_STRING, .u.s = { (const uint8_t *)(x), sizeof(x) - 1 } })
#define FV_BY(x) ((struct ottl_value){ .type = OTTL_BYTES, .u.s = { (const uint8_t *)(x), sizeof(x) - 1 } })
#define FV_I(x) ((struct ottl_value){ .type = OTTL_INT, .u.i = (x) })
#define FV_D(x) ((struct ottl_value){ .type = OTTL_DOUBLE, .u.d = (x) })
#define FV_B(x) ((struct ottl_value){ .type = OTTL_BOOL, .u.b = (x) })
#define FV_OTHER ((struct ottl_value){ .type = OTTL_OTHER })

struct fake_attr {
	enum ottl_map map;
	const char *key;
	struct ottl_value v;
};

struct fake_item {
	const struct fake_attr *attrs;
	size_t n_attrs;
	struct ottl_value fields[OTTL_F_COUNT]; /* OTTL_NIL (zero): absent */
	int fail_field;				/* this field fails with -EIO (-1: none) */
	unsigned calls;				/* accessor calls so far */
};

static inline int fake_attr_get(void *item, const struct ottl_eval_key *k, struct ottl_value *out)
{
	struct fake_item *it = item;

	it->calls++;
	for (size_t i = 0; i < it->n_attrs; i++) {
		const struct fake_attr *a = &it->attrs[i];
		if (a->map == k->map && strlen(a->key) == k->len && !memcmp(a->key, k->s, k->len)) {
			*out = a->v;
			return 0;
		}
	}
	out->type = OTTL_NIL;
	return 0;
}

static inline int fake_field_get(void *item, enum ottl_field f, struct ottl_value *out)
{
	struct fake_item *it = item;

	it->calls++;
	if ((int)f == it->fail_field)
		return -EIO;
	*out = it->fields[f];
	return 0;
}

static const struct ottl_eval_accessor fake_accessor = { fake_attr_get, fake_field_get };

#endif
