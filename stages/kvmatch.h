/* kvmatch.h: a list of attribute key/values that must ALL match (the
 * Collector's filterconfig attributes / resource_attributes /
 * record_attributes), looked up through the edit overlay (spanctx.h).
 *
 * A value NONE: the key only has to exist. match_type strict: typed
 * equality (int and double compare as numbers); regexp: a string value is
 * a POSIX ERE searched in the attribute's text form (strings as they are,
 * ints in decimal, doubles shortest round-trip, bools true/false; arrays,
 * kvlists and bytes never match); prefix: the text starts with the value.
 *
 *   kvmatch_compile(&m, cfg->attributes, cfg->n_attributes, type, false, ctx, err, n);
 *   kvmatch_match(&m, false, ctx)  -> 1 / 0 / -errno
 *   kvmatch_free(&m);
 */
#ifndef SLUICE_STAGES_KVMATCH_H
#define SLUICE_STAGES_KVMATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "stages/match.h"
#include "stages/spanctx.h"

struct kvmatch_kv {
	const struct sluice_kv *kv;
	struct spanctx_key key;
	struct match_re re; /* regexp match_type with a string value */
	bool has_re;
};

struct kvmatch {
	struct kvmatch_kv *a;
	size_t n;
	enum sluice_match_type type;
};

/* Registers the keys with c (item keys, or resource keys when resource).
 * 0 or -errno (message in err). n 0 is an empty list (matches). */
int kvmatch_compile(struct kvmatch *m, const struct sluice_kv *kvs, size_t n, enum sluice_match_type type,
		    bool resource, struct spanctx *c, char *err, size_t errlen);
/* Every key/value matches: 1, else 0, or -errno (malformed input). */
int kvmatch_match(const struct kvmatch *m, bool resource, struct spanctx *c);
void kvmatch_free(struct kvmatch *m);

/* Does text t satisfy the string pattern s / regex re under type? */
bool kvmatch_text(enum sluice_match_type type, const char *s, const struct match_re *re, struct otlp_bytes t);

/* POSIX regex of a config entry (its translated form when it has one). */
int kvmatch_re(struct match_re *m, const struct sluice_regex *r, const char *fallback, char *err,
	       size_t errlen);

#endif
