/* shm/segment_priv.h - private to shm/segment*.c: error messages, name
 * rules, and the checks segment_attach runs. Not part of the API. */
#ifndef SLUICE_SHM_SEGMENT_PRIV_H
#define SLUICE_SHM_SEGMENT_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "shm/segment.h"

/* Format the reason into seg->errmsg; returns err. */
int segment_fail(struct segment *seg, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* 1 if s is 1..max printable ASCII bytes without spaces (names in the
 * directories: shown in logs, metrics labels, file names). */
int segment_name_ok(const char *s, size_t max);

/* 1 if the fixed-size field f (n bytes) holds such a name, NUL-terminated
 * inside it; empty_ok allows "". */
int segment_field_ok(const char *f, size_t n, int empty_ok);

/* Fill seg->name ("/sluice.<instance>") or fail with -EINVAL. */
int segment_make_name(struct segment *seg, const char *instance);

static inline uint64_t segment_page_up(uint64_t v)
{
	return (v + SEG_PAGE - 1) & ~(uint64_t)(SEG_PAGE - 1);
}

/* Everything attach trusts later, on a mapping of `size` bytes whose
 * magic, version and ready flag are already checked. 0, -EBADMSG,
 * -ENOTRECOVERABLE (a ring's control block). */
int segment_validate(struct segment *seg, const struct seg_header *h, uint64_t size);

#endif
