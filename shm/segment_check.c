/* shm/segment_check.c - deciding whether a segment can be trusted, and
 * keeping a damaged one for inspection.
 *
 * segment_attach runs segment_validate once: the header's fixed fields,
 * then every directory entry (offsets aligned, in order, inside the file,
 * not overlapping; names printable and NUL-terminated inside their field;
 * kinds in range), then every ring's control block (ring_check). Only
 * then does anything dereference an offset read from shared memory. A bad
 * header or directory is -EBADMSG ("this is not a segment we can read"),
 * a bad ring control block -ENOTRECOVERABLE ("ring N is damaged"); both
 * lead the supervisor to segment_set_aside.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shm/segment.h"
#include "shm/segment_priv.h"

int segment_fail(struct segment *seg, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(seg->errmsg, sizeof(seg->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

int segment_name_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return 1;
}

int segment_field_ok(const char *f, size_t n, int empty_ok)
{
	if (memchr(f, '\0', n) == NULL)
		return 0;
	return (empty_ok && f[0] == '\0') || segment_name_ok(f, n - 1);
}

int segment_make_name(struct segment *seg, const char *instance)
{
	size_t n = instance ? strlen(instance) : 0;

	if (n == 0 || n > SEG_INSTANCE_MAX)
		return segment_fail(seg, -EINVAL, "instance name must be 1..%u characters", SEG_INSTANCE_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = instance[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return segment_fail(seg, -EINVAL, "instance name \"%s\": only [A-Za-z0-9_.-] allowed",
					    instance);
	}
	snprintf(seg->name, sizeof(seg->name), "/sluice.%s", instance);
	return 0;
}

static int bad(struct segment *seg, const char *what, uint32_t i)
{
	return segment_fail(seg, -EBADMSG, "%s: inconsistent segment (%s %u)", seg->name, what, i);
}

/* Offsets read from the file: v must lie in [lo, size] and be aligned. */
static int within(uint64_t off, uint64_t len, uint64_t lo, uint64_t size)
{
	return off >= lo && off % SEG_PAGE == 0 && off <= size && len <= size - off;
}

static int validate_fixed(struct segment *seg, const struct seg_header *h, uint64_t size)
{
	if (h->header_size != SEG_HEADER_SIZE || h->total_size != size || h->nstages != STAGE_COUNT ||
	    h->stats_off != SEG_STATS_OFF || h->ring_dir_off != SEG_RING_DIR_OFF ||
	    h->components_off != SEG_COMPONENTS_OFF || h->nrings == 0 || h->nrings > SEG_MAX_RINGS ||
	    h->ncomponents > SEG_MAX_COMPONENTS || h->naux > SEG_MAX_AUX ||
	    size < SEG_COMPONENTS_OFF + (uint64_t)h->ncomponents * SEG_COMPONENT_SIZE)
		return segment_fail(seg, -EBADMSG, "%s: inconsistent segment header", seg->name);
	return 0;
}

static int validate_dirs(struct segment *seg, const struct seg_header *h, uint64_t size)
{
	const uint8_t *base = (const uint8_t *)h;
	const struct seg_ring_desc *rings = (const struct seg_ring_desc *)(base + SEG_RING_DIR_OFF);
	const struct seg_component *comp = (const struct seg_component *)(base + SEG_COMPONENTS_OFF);
	uint64_t end = SEG_COMPONENTS_OFF + segment_page_up((uint64_t)h->ncomponents * SEG_COMPONENT_SIZE);

	for (uint32_t i = 0; i < h->ncomponents; i++)
		if (comp[i].kind >= SEG_COMP_KINDS || !segment_field_ok(comp[i].name, SEG_NAME_SIZE, 0) ||
		    !segment_field_ok(comp[i].pipeline_name, SEG_NAME_SIZE, 1) ||
		    !segment_field_ok(comp[i].transport, SEG_TRANSPORT_SIZE, 1))
			return bad(seg, "component", i);
	for (uint32_t i = 0; i < h->naux; i++) {
		const struct seg_aux_desc *a = &h->aux[i];

		if (!segment_field_ok(a->name, SEG_NAME_SIZE, 0) || a->size == 0 ||
		    !within(a->off, segment_page_up(a->size), end, size))
			return bad(seg, "aux region", i);
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(a->name, h->aux[j].name) == 0)
				return bad(seg, "aux region name", i);
		end = a->off + segment_page_up(a->size);
	}
	for (uint32_t i = 0; i < h->nrings; i++) {
		const struct seg_ring_desc *d = &rings[i];

		if (d->capacity > RING_MAX_CAPACITY || d->kind >= SEG_RING_KINDS ||
		    !segment_field_ok(d->name, SEG_NAME_SIZE, 0) ||
		    !within(d->off, RING_CTRL_SIZE + d->capacity, end, size))
			return segment_fail(seg, -EBADMSG,
					    "%s: ring %u lies outside the segment or its "
					    "directory entry is damaged",
					    seg->name, i);
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(d->name, rings[j].name) == 0)
				return bad(seg, "ring name", i);
		end = d->off + RING_CTRL_SIZE + d->capacity;
	}
	return 0;
}

static int check_ring(struct segment *seg, const uint8_t *base, const struct seg_ring_desc *d, uint32_t i)
{
	char why[160];
	int rc = ring_check(base + d->off, d->capacity, why, sizeof(why));

	if (rc < 0)
		return segment_fail(seg, rc, "%s: ring %u (%s) is damaged: %s", seg->name, i, d->name, why);
	return 0;
}

int segment_validate(struct segment *seg, const struct seg_header *h, uint64_t size)
{
	const struct seg_ring_desc *rings =
		(const struct seg_ring_desc *)((const uint8_t *)h + SEG_RING_DIR_OFF);
	int rc;

	if ((rc = validate_fixed(seg, h, size)) < 0 || (rc = validate_dirs(seg, h, size)) < 0)
		return rc;
	for (uint32_t i = 0; i < h->nrings; i++)
		if ((rc = check_ring(seg, (const uint8_t *)h, &rings[i], i)) < 0)
			return rc;
	return 0;
}

int segment_check(struct segment *seg, uint32_t *bad_ring)
{
	int rc;

	if (!seg->hdr)
		return -EINVAL;
	seg->errmsg[0] = '\0';
	for (uint32_t i = 0; i < seg->hdr->nrings; i++) {
		if ((rc = check_ring(seg, seg->base, &seg->rings[i], i)) < 0) {
			if (bad_ring)
				*bad_ring = i;
			return rc;
		}
	}
	return 0;
}

/* Write `reason` into a new file path (O_EXCL: never over anything). */
static void write_reason(const char *path, const char *reason)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	char stamp[64];
	time_t now = time(NULL);
	struct tm tm;

	if (fd < 0)
		return; /* best effort: the caller logs the reason too */
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	dprintf(fd, "set aside %s: %s\n", stamp, reason ? reason : "(no reason given)");
	close(fd);
}

int segment_set_aside(const char *instance, const char *reason, char *aside, size_t aside_size)
{
	struct segment tmp;
	char from[128], to[200], why[208], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	if ((rc = segment_make_name(&tmp, instance)) < 0)
		return rc;
	snprintf(from, sizeof(from), "%s%s", SEG_SHM_DIR, tmp.name);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (int k = 1;; k++) {
		if (k > 100)
			return -EEXIST;
		if (k == 1)
			snprintf(to, sizeof(to), "%s.damaged-%s", from, stamp);
		else
			snprintf(to, sizeof(to), "%s.damaged-%s-%d", from, stamp, k);
		/* NOREPLACE: an older set-aside segment is evidence too */
		if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
			break;
		if (errno != EEXIST)
			return -errno;
	}
	snprintf(why, sizeof(why), "%s.why", to);
	write_reason(why, reason);
	if (aside && aside_size)
		snprintf(aside, aside_size, "%s", to);
	return 0;
}
