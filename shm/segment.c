/* shm/segment.c - create, attach, detach and unlink the instance segment.
 *
 * The creator sizes the file, formats header, stats and rings, and stores
 * `ready` last with release order, so an attacher that sees ready == 1 sees
 * a fully formatted segment. Attach checks everything it will later trust
 * (magic, version, sizes, every ring's offset and capacity), because the
 * segment may have been written by another build or be damaged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shm/atomic.h"
#include "shm/segment.h"

#define SEG_PAGE 4096u

static int fail(struct segment *seg, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(seg->errmsg, sizeof(seg->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

static void reset(struct segment *seg)
{
	memset(seg, 0, sizeof(*seg));
	for (unsigned i = 0; i < SEG_MAX_RINGS; i++)
		seg->data_fd[i] = seg->space_fd[i] = -1;
}

static int make_name(struct segment *seg, const char *instance)
{
	size_t n = instance ? strlen(instance) : 0;

	if (n == 0 || n > SEG_INSTANCE_MAX)
		return fail(seg, -EINVAL, "instance name must be 1..%u characters", SEG_INSTANCE_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = instance[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return fail(seg, -EINVAL, "instance name \"%s\": only [A-Za-z0-9_.-] allowed", instance);
	}
	snprintf(seg->name, sizeof(seg->name), "/sluice.%s", instance);
	return 0;
}

static uint64_t round_pow2(uint64_t v)
{
	uint64_t p = RING_MIN_CAPACITY;

	while (p < v && p < RING_MAX_CAPACITY)
		p <<= 1;
	return p;
}

static uint64_t page_up(uint64_t v)
{
	return (v + SEG_PAGE - 1) & ~(uint64_t)(SEG_PAGE - 1);
}

static uint64_t now_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int segment_create(struct segment *seg, const char *instance, const struct segment_params *params)
{
	struct segment_params p = {0};
	struct seg_header *h;
	uint64_t off, caps[SEG_MAX_RINGS];
	void *base;
	int fd, rc;

	reset(seg);
	rc = make_name(seg, instance);
	if (rc)
		return rc;
	if (params)
		p = *params;
	if (p.nrings == 0)
		p.nrings = RING_PIPELINE_COUNT;
	if (p.nrings > SEG_MAX_RINGS)
		return fail(seg, -EINVAL, "%u rings requested, at most %u", p.nrings, SEG_MAX_RINGS);
	off = SEG_HEADER_SIZE + (uint64_t)STAGE_COUNT * STATS_BLOCK_SIZE;
	for (uint32_t i = 0; i < p.nrings; i++) {
		uint64_t want = p.ring_capacity[i] ? p.ring_capacity[i] : SEG_DEFAULT_RING_CAPACITY;

		if (want > RING_MAX_CAPACITY)
			return fail(seg, -EINVAL, "ring %u capacity %llu exceeds %llu", i,
				    (unsigned long long)want, (unsigned long long)RING_MAX_CAPACITY);
		caps[i] = round_pow2(want);
		off += page_up(RING_CTRL_SIZE + caps[i]);
	}

	fd = shm_open(seg->name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return fail(seg, -errno, "shm_open(%s): %s", seg->name, strerror(errno));
	if (ftruncate(fd, (off_t)off) < 0) {
		rc = fail(seg, -errno, "ftruncate(%s, %llu): %s", seg->name,
			  (unsigned long long)off, strerror(errno));
		goto fail_unlink;
	}
	base = mmap(NULL, off, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		rc = fail(seg, -errno, "mmap(%s): %s", seg->name, strerror(errno));
		goto fail_unlink;
	}
	close(fd);

	h = base;
	h->magic = SEG_MAGIC;
	h->layout_version = SEG_LAYOUT_VERSION;
	h->header_size = SEG_HEADER_SIZE;
	h->total_size = off;
	h->nrings = p.nrings;
	h->nstages = STAGE_COUNT;
	h->stats_off = SEG_HEADER_SIZE;
	h->created_ns = now_realtime_ns();
	off = SEG_HEADER_SIZE + (uint64_t)STAGE_COUNT * STATS_BLOCK_SIZE;
	for (uint32_t i = 0; i < p.nrings; i++) {
		h->rings[i].off = off;
		h->rings[i].capacity = caps[i];
		ring_format((uint8_t *)base + off, caps[i]);
		off += page_up(RING_CTRL_SIZE + caps[i]);
	}
	SHM_STORE_RELEASE(&h->ready, 1);
	seg->base = base;
	seg->size = h->total_size;
	seg->hdr = h;
	return 0;

fail_unlink:
	close(fd);
	shm_unlink(seg->name);
	return rc;
}

/* Everything attach trusts later, checked once. */
static int check_header(struct segment *seg, const struct seg_header *h, uint64_t size)
{
	uint64_t end = SEG_HEADER_SIZE + (uint64_t)STAGE_COUNT * STATS_BLOCK_SIZE;

	if (h->header_size != SEG_HEADER_SIZE || h->total_size != size ||
	    h->nstages != STAGE_COUNT || h->stats_off != SEG_HEADER_SIZE ||
	    h->nrings == 0 || h->nrings > SEG_MAX_RINGS)
		return fail(seg, -EBADMSG, "%s: inconsistent segment header", seg->name);
	for (uint32_t i = 0; i < h->nrings; i++) {
		const struct seg_ring_desc *d = &h->rings[i];
		const struct ring_ctrl *c;

		if (d->off < end || d->off % SEG_PAGE || d->capacity > RING_MAX_CAPACITY ||
		    d->off + RING_CTRL_SIZE + d->capacity > size)
			return fail(seg, -EBADMSG, "%s: ring %u lies outside the segment", seg->name, i);
		c = (const struct ring_ctrl *)((const uint8_t *)h + d->off);
		if (c->magic != RING_MAGIC || c->capacity != d->capacity)
			return fail(seg, -EBADMSG, "%s: ring %u is damaged", seg->name, i);
		end = d->off + RING_CTRL_SIZE + d->capacity;
	}
	return 0;
}

int segment_attach(struct segment *seg, const char *instance)
{
	struct seg_header *h;
	struct stat st;
	void *base;
	int fd, rc;

	reset(seg);
	rc = make_name(seg, instance);
	if (rc)
		return rc;
	fd = shm_open(seg->name, O_RDWR, 0);
	if (fd < 0)
		return fail(seg, -errno, "shm_open(%s): %s", seg->name, strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = fail(seg, -errno, "fstat(%s): %s", seg->name, strerror(errno));
		close(fd);
		return rc;
	}
	if (st.st_size < (off_t)SEG_HEADER_SIZE) {
		close(fd);
		if (st.st_size == 0)
			return fail(seg, -EAGAIN, "%s: segment is still being created", seg->name);
		return fail(seg, -EBADMSG, "%s: %lld bytes, too small for a sluice segment",
			    seg->name, (long long)st.st_size);
	}
	base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED)
		return fail(seg, -errno, "mmap(%s): %s", seg->name, strerror(errno));
	h = base;
	if (h->magic != SEG_MAGIC) {
		rc = h->magic == 0 ? fail(seg, -EAGAIN, "%s: segment is still being created", seg->name)
				   : fail(seg, -EBADMSG, "%s: not a sluice segment (bad magic)", seg->name);
	} else if (h->layout_version != SEG_LAYOUT_VERSION) {
		rc = fail(seg, -EPROTO,
			  "%s: segment layout version %u, this build expects %u "
			  "(stop the pipeline and remove the segment, or run matching binaries)",
			  seg->name, h->layout_version, SEG_LAYOUT_VERSION);
	} else if (!SHM_LOAD_ACQUIRE(&h->ready)) {
		rc = fail(seg, -EAGAIN, "%s: segment is still being created", seg->name);
	} else {
		rc = check_header(seg, h, (uint64_t)st.st_size);
	}
	if (rc) {
		munmap(base, (size_t)st.st_size);
		return rc;
	}
	seg->base = base;
	seg->size = (size_t)st.st_size;
	seg->hdr = h;
	return 0;
}

void segment_detach(struct segment *seg)
{
	if (seg->base)
		munmap(seg->base, seg->size);
	seg->base = NULL;
	seg->hdr = NULL;
	seg->size = 0;
}

int segment_unlink(const char *instance)
{
	struct segment tmp;
	int rc;

	reset(&tmp);
	rc = make_name(&tmp, instance);
	if (rc)
		return rc;
	return shm_unlink(tmp.name) < 0 ? -errno : 0;
}

int segment_ring(struct segment *seg, uint32_t idx, struct ring *r)
{
	if (!seg->hdr || idx >= seg->hdr->nrings)
		return -EINVAL;
	return ring_init(r, seg->base + seg->hdr->rings[idx].off, seg->data_fd[idx], seg->space_fd[idx]);
}

struct stage_stats *segment_stats(struct segment *seg, enum stage_index stage)
{
	if (!seg->hdr || (unsigned)stage >= STAGE_COUNT)
		return NULL;
	return (struct stage_stats *)(seg->base + seg->hdr->stats_off) + stage;
}
