/* shm/segment.c - create, attach, detach and unlink the instance segment,
 * and find things in it.
 *
 * The creator checks every parameter, sizes the file, formats header,
 * directories, components, aux regions and rings, and stores `ready` last
 * with release order, so an attacher that sees ready == 1 sees a fully
 * formatted segment. Attach checks everything it will later trust
 * (segment_check.c), because the segment may have been written by another
 * build or be damaged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shm/atomic.h"
#include "shm/segment.h"
#include "shm/segment_priv.h"
#include "rt/clock.h"

#define SEG_AUX_MAX_SIZE (1ull << 40)

static void reset(struct segment *seg)
{
	memset(seg, 0, sizeof(*seg));
	for (unsigned i = 0; i < SEG_MAX_RINGS; i++)
		seg->data_fd[i] = seg->space_fd[i] = -1;
}

static uint64_t round_pow2(uint64_t v)
{
	uint64_t p = RING_MIN_CAPACITY;

	while (p < v && p < RING_MAX_CAPACITY)
		p <<= 1;
	return p;
}

/* Where things go; filled by plan_layout from checked params. */
struct layout {
	char ring_name[SEG_MAX_RINGS][SEG_NAME_SIZE];
	uint64_t cap[SEG_MAX_RINGS], ring_off[SEG_MAX_RINGS], aux_off[SEG_MAX_AUX];
	uint64_t total;
};

static int check_rings(struct segment *seg, const struct segment_params *p, struct layout *l)
{
	if (p->nrings > SEG_MAX_RINGS)
		return segment_fail(seg, -EINVAL, "%u rings requested, at most %u", p->nrings, SEG_MAX_RINGS);
	for (uint32_t i = 0; i < p->nrings; i++) {
		uint64_t want = p->ring_capacity[i] ? p->ring_capacity[i] : SEG_DEFAULT_RING_CAPACITY;

		if (want > RING_MAX_CAPACITY)
			return segment_fail(seg, -EINVAL, "ring %u capacity %llu exceeds %llu", i,
					    (unsigned long long)want, (unsigned long long)RING_MAX_CAPACITY);
		l->cap[i] = round_pow2(want);
		if (p->ring_name[i] && !segment_name_ok(p->ring_name[i], SEG_NAME_SIZE - 1))
			return segment_fail(seg, -EINVAL,
					    "ring %u name \"%.80s\": 1..%u printable "
					    "characters, no spaces",
					    i, p->ring_name[i], SEG_NAME_SIZE - 1);
		snprintf(l->ring_name[i], SEG_NAME_SIZE, "%s", p->ring_name[i] ? p->ring_name[i] : "");
		if (!p->ring_name[i])
			snprintf(l->ring_name[i], SEG_NAME_SIZE, "ring%u", i);
		if (p->ring_kind[i] >= SEG_RING_KINDS || p->ring_signal[i] > RECORD_SIGNAL_MAX)
			return segment_fail(seg, -EINVAL, "ring %u: kind %u / signal %u out of range", i,
					    p->ring_kind[i], p->ring_signal[i]);
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(l->ring_name[i], l->ring_name[j]) == 0)
				return segment_fail(seg, -EINVAL, "rings %u and %u are both called \"%s\"", j,
						    i, l->ring_name[i]);
	}
	return 0;
}

static int check_others(struct segment *seg, const struct segment_params *p)
{
	if (p->ncomponents > SEG_MAX_COMPONENTS || (p->ncomponents && !p->components))
		return segment_fail(seg, -EINVAL, "%u components requested, at most %u", p->ncomponents,
				    SEG_MAX_COMPONENTS);
	for (uint32_t i = 0; i < p->ncomponents; i++) {
		const struct segment_component_params *c = &p->components[i];

		if (!c->name || !segment_name_ok(c->name, SEG_NAME_SIZE - 1) ||
		    (c->pipeline_name && *c->pipeline_name &&
		     !segment_name_ok(c->pipeline_name, SEG_NAME_SIZE - 1)) ||
		    (c->transport && *c->transport && !segment_name_ok(c->transport, SEG_TRANSPORT_SIZE - 1)))
			return segment_fail(seg, -EINVAL,
					    "component %u: name, pipeline or transport "
					    "missing, too long or not printable",
					    i);
		if (c->kind == SEG_COMP_NONE || c->kind >= SEG_COMP_KINDS || c->signal > RECORD_SIGNAL_MAX)
			return segment_fail(seg, -EINVAL,
					    "component %u (%s): kind %u / signal %u out "
					    "of range",
					    i, c->name, c->kind, c->signal);
	}
	if (p->naux > SEG_MAX_AUX)
		return segment_fail(seg, -EINVAL, "%u aux regions requested, at most %u", p->naux,
				    SEG_MAX_AUX);
	for (uint32_t i = 0; i < p->naux; i++) {
		const struct segment_aux_params *a = &p->aux[i];

		if (!a->name || !segment_name_ok(a->name, SEG_NAME_SIZE - 1) || a->size == 0 ||
		    a->size > SEG_AUX_MAX_SIZE)
			return segment_fail(seg, -EINVAL,
					    "aux region %u: needs a name (1..%u printable "
					    "characters) and a size in 1..%llu",
					    i, SEG_NAME_SIZE - 1, (unsigned long long)SEG_AUX_MAX_SIZE);
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(a->name, p->aux[j].name) == 0)
				return segment_fail(seg, -EINVAL,
						    "aux regions %u and %u are both called "
						    "\"%s\"",
						    j, i, a->name);
	}
	return 0;
}

static void plan_layout(const struct segment_params *p, struct layout *l)
{
	uint64_t off = SEG_COMPONENTS_OFF + segment_page_up((uint64_t)p->ncomponents * SEG_COMPONENT_SIZE);

	for (uint32_t i = 0; i < p->naux; i++) {
		l->aux_off[i] = off;
		off += segment_page_up(p->aux[i].size);
	}
	for (uint32_t i = 0; i < p->nrings; i++) {
		l->ring_off[i] = off;
		off += segment_page_up(RING_CTRL_SIZE + l->cap[i]);
	}
	l->total = off;
}

static void copy_name(char *dst, size_t n, const char *src)
{
	memset(dst, 0, n);
	if (src)
		memcpy(dst, src, strnlen(src, n - 1));
}

/* Fill the fresh (zeroed) mapping; `ready` last. */
static void format(uint8_t *base, const struct segment_params *p, const struct layout *l)
{
	struct seg_header *h = (struct seg_header *)base;
	struct seg_ring_desc *rings = (struct seg_ring_desc *)(base + SEG_RING_DIR_OFF);
	struct seg_component *comp = (struct seg_component *)(base + SEG_COMPONENTS_OFF);

	h->magic = SEG_MAGIC;
	h->layout_version = SEG_LAYOUT_VERSION;
	h->header_size = SEG_HEADER_SIZE;
	h->total_size = l->total;
	h->nrings = p->nrings;
	h->nstages = STAGE_COUNT;
	h->stats_off = SEG_STATS_OFF;
	h->created_ns = rt_real_ns();
	h->ncomponents = p->ncomponents;
	h->topology = p->topology;
	h->ring_dir_off = SEG_RING_DIR_OFF;
	h->components_off = SEG_COMPONENTS_OFF;
	h->naux = p->naux;
	for (uint32_t i = 0; i < p->naux; i++) {
		copy_name(h->aux[i].name, SEG_NAME_SIZE, p->aux[i].name);
		h->aux[i].off = l->aux_off[i];
		h->aux[i].size = p->aux[i].size;
	}
	for (uint32_t i = 0; i < p->ncomponents; i++) {
		const struct segment_component_params *c = &p->components[i];

		comp[i].kind = c->kind;
		comp[i].signal = c->signal;
		comp[i].pipeline = c->pipeline;
		copy_name(comp[i].transport, SEG_TRANSPORT_SIZE, c->transport);
		copy_name(comp[i].name, SEG_NAME_SIZE, c->name);
		copy_name(comp[i].pipeline_name, SEG_NAME_SIZE, c->pipeline_name);
	}
	for (uint32_t i = 0; i < p->nrings; i++) {
		rings[i].off = l->ring_off[i];
		rings[i].capacity = l->cap[i];
		rings[i].kind = p->ring_kind[i];
		rings[i].signal = p->ring_signal[i];
		copy_name(rings[i].name, SEG_NAME_SIZE, l->ring_name[i]);
		ring_format(base + l->ring_off[i], l->cap[i]);
	}
	SHM_STORE_RELEASE(&h->ready, 1);
}

static void use_mapping(struct segment *seg, uint8_t *base, size_t size)
{
	seg->base = base;
	seg->size = size;
	seg->hdr = (struct seg_header *)base;
	seg->rings = (struct seg_ring_desc *)(base + SEG_RING_DIR_OFF);
}

int segment_create(struct segment *seg, const char *instance, const struct segment_params *params)
{
	static const struct segment_params none;
	struct segment_params p = params ? *params : none;
	struct layout l;
	void *base;
	int fd, rc;

	reset(seg);
	if ((rc = segment_make_name(seg, instance)) < 0)
		return rc;
	if (p.nrings == 0) {
		p.nrings = RING_PIPELINE_COUNT;
		p.ring_kind[RING_INGEST_PROCESS] = SEG_RING_IN;
		p.ring_kind[RING_PROCESS_BATCH] = SEG_RING_MID;
		p.ring_kind[RING_BATCH_EXPORT] = SEG_RING_OUT;
	}
	memset(&l, 0, sizeof(l));
	if ((rc = check_rings(seg, &p, &l)) < 0 || (rc = check_others(seg, &p)) < 0)
		return rc;
	plan_layout(&p, &l);

	fd = shm_open(seg->name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return segment_fail(seg, -errno, "shm_open(%s): %s", seg->name, strerror(errno));
	if (ftruncate(fd, (off_t)l.total) < 0) {
		rc = segment_fail(seg, -errno, "ftruncate(%s, %llu): %s", seg->name,
				  (unsigned long long)l.total, strerror(errno));
		goto fail_unlink;
	}
	base = mmap(NULL, l.total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		rc = segment_fail(seg, -errno, "mmap(%s): %s", seg->name, strerror(errno));
		goto fail_unlink;
	}
	close(fd);
	format(base, &p, &l);
	use_mapping(seg, base, l.total);
	return 0;

fail_unlink:
	close(fd);
	shm_unlink(seg->name);
	return rc;
}

int segment_attach(struct segment *seg, const char *instance)
{
	struct seg_header *h;
	struct stat st;
	void *base;
	int fd, rc;

	reset(seg);
	if ((rc = segment_make_name(seg, instance)) < 0)
		return rc;
	fd = shm_open(seg->name, O_RDWR, 0);
	if (fd < 0)
		return segment_fail(seg, -errno, "shm_open(%s): %s", seg->name, strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = segment_fail(seg, -errno, "fstat(%s): %s", seg->name, strerror(errno));
		close(fd);
		return rc;
	}
	if (st.st_size < (off_t)SEG_HEADER_SIZE) {
		close(fd);
		if (st.st_size == 0)
			return segment_fail(seg, -EAGAIN, "%s: segment is still being created", seg->name);
		return segment_fail(seg, -EBADMSG, "%s: %lld bytes, too small for a sluice segment",
				    seg->name, (long long)st.st_size);
	}
	base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED)
		return segment_fail(seg, -errno, "mmap(%s): %s", seg->name, strerror(errno));
	h = base;
	if (h->magic != SEG_MAGIC) {
		rc = h->magic == 0
			     ? segment_fail(seg, -EAGAIN, "%s: segment is still being created", seg->name)
			     : segment_fail(seg, -EBADMSG, "%s: not a sluice segment (bad magic)", seg->name);
	} else if (h->layout_version != SEG_LAYOUT_VERSION) {
		rc = segment_fail(seg, -EPROTO,
				  "%s: segment layout version %u, this build expects %u "
				  "(stop the pipeline and remove the segment, or run matching binaries)",
				  seg->name, h->layout_version, SEG_LAYOUT_VERSION);
	} else if (!SHM_LOAD_ACQUIRE(&h->ready)) {
		rc = segment_fail(seg, -EAGAIN, "%s: segment is still being created", seg->name);
	} else {
		rc = segment_validate(seg, h, (uint64_t)st.st_size);
	}
	if (rc) {
		munmap(base, (size_t)st.st_size);
		return rc;
	}
	use_mapping(seg, base, (size_t)st.st_size);
	return 0;
}

void segment_detach(struct segment *seg)
{
	if (seg->base)
		munmap(seg->base, seg->size);
	seg->base = NULL;
	seg->hdr = NULL;
	seg->rings = NULL;
	seg->size = 0;
}

int segment_unlink(const char *instance)
{
	struct segment tmp;
	int rc;

	reset(&tmp);
	if ((rc = segment_make_name(&tmp, instance)) < 0)
		return rc;
	return shm_unlink(tmp.name) < 0 ? -errno : 0;
}

int segment_ring(struct segment *seg, uint32_t idx, struct ring *r)
{
	if (!seg->hdr || idx >= seg->hdr->nrings)
		return -EINVAL;
	return ring_init(r, seg->base + seg->rings[idx].off, seg->data_fd[idx], seg->space_fd[idx]);
}

const char *segment_ring_name(const struct segment *seg, uint32_t idx)
{
	return seg->hdr && idx < seg->hdr->nrings ? seg->rings[idx].name : "";
}

enum seg_ring_kind segment_ring_kind(const struct segment *seg, uint32_t idx)
{
	return seg->hdr && idx < seg->hdr->nrings ? (enum seg_ring_kind)seg->rings[idx].kind : SEG_RING_ANY;
}

int segment_ring_find(const struct segment *seg, const char *name)
{
	for (uint32_t i = 0; seg->hdr && name && i < seg->hdr->nrings; i++)
		if (strcmp(seg->rings[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

struct stage_stats *segment_stats(struct segment *seg, enum stage_index stage)
{
	if (!seg->hdr || (unsigned)stage >= STAGE_COUNT)
		return NULL;
	return (struct stage_stats *)(seg->base + seg->hdr->stats_off) + stage;
}

struct seg_component *segment_component(struct segment *seg, uint32_t idx)
{
	if (!seg->hdr || idx >= seg->hdr->ncomponents)
		return NULL;
	return (struct seg_component *)(seg->base + seg->hdr->components_off) + idx;
}

void *segment_aux(struct segment *seg, const char *name, uint64_t *size)
{
	for (uint32_t i = 0; seg->hdr && name && i < seg->hdr->naux; i++) {
		if (strcmp(seg->hdr->aux[i].name, name) != 0)
			continue;
		if (size)
			*size = seg->hdr->aux[i].size;
		return seg->base + seg->hdr->aux[i].off;
	}
	return NULL;
}
