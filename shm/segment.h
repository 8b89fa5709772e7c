/* shm/segment.h - the shared-memory segment of one sluice instance:
 * `/sluice.<instance>` (shm_open, mode 0600; /dev/shm/sluice.<instance>).
 * Types and offsets: shm/segment-t.h (layout version 2).
 *
 *   0       +--------------------------------------------------------+
 *           | seg_header (4096 B): magic, layout version, sizes,     |
 *           | topology fingerprint, area offsets, `ready` (set last),|
 *           | aux directory [16] {name, off, size}                   |
 *   4096    +--------------------------------------------------------+
 *           | ring directory [64] (128 B each):                      |
 *           |   {off, capacity, kind, signal, name[64]}              |
 *   12288   +--------------------------------------------------------+
 *           | stage_stats[STAGE_COUNT] (4096 B each, shm/stats.h):   |
 *           |   pid, state, heartbeat, progress, progress_ns, ...    |
 *   32768   +--------------------------------------------------------+
 *           | components [ncomponents] (256 B each, page-rounded):   |
 *           |   {kind, signal, pipeline, transport, name,            |
 *           |    pipeline_name, counters[8]}                         |
 *           +--------------------------------------------------------+
 *           | aux region 0 (4096-aligned, size page-rounded)         |
 *           | aux region 1 ...                                       |
 *           +--------------------------------------------------------+
 *           | ring 0: ring_ctrl (1024 B) + data[capacity0]           |
 *           | ring 1: ...          (every ring 4096-aligned)         |
 *           +--------------------------------------------------------+
 *
 * Lifecycle: the supervisor (or a test) calls segment_create with the
 * plan's rings, components, aux regions and topology fingerprint, then
 * segment_wake_create, and puts segment_wake_env()'s string into the
 * environment of each stage as SLUICE_WAKE_FDS. A stage calls
 * segment_attach, segment_wake_import(seg, NULL) and segment_ring to get
 * its ring handles. segment_unlink removes the name; mappings stay valid
 * until detached.
 *
 * Trust: segment_attach checks everything it will later rely on (magic,
 * version, sizes, every directory entry and name, every ring's control
 * block) and fails with:
 *   -EPROTO          another layout version (segment_errmsg names both)
 *   -EBADMSG         not a sluice segment, or its header / directories are
 *                    inconsistent
 *   -ENOTRECOVERABLE a ring's control block is damaged (the message names
 *                    the ring and what is wrong)
 * After -EBADMSG or -ENOTRECOVERABLE the supervisor keeps the data for
 * inspection with segment_set_aside and starts on a fresh segment. While
 * running, segment_check re-checks every ring's control block.
 *
 * The single pipeline of today uses rings RING_INGEST_PROCESS,
 * RING_PROCESS_BATCH, RING_BATCH_EXPORT (created when params->nrings is
 * 0); stats blocks are indexed by enum stage_index.
 */
#ifndef SLUICE_SHM_SEGMENT_H
#define SLUICE_SHM_SEGMENT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "shm/ring.h"
#include "shm/segment-t.h"
#include "shm/stats.h"

#define SEG_DEFAULT_RING_CAPACITY (16u << 20) /* 16 MiB */
#define SEG_INSTANCE_MAX 64u		      /* instance name: [A-Za-z0-9_.-]{1,64} */
#define SEG_WAKE_ENV "SLUICE_WAKE_FDS"
#define SEG_SHM_DIR "/dev/shm" /* where shm_open names live (Linux) */

/* Ring indexes of the single pipeline. */
enum {
	RING_INGEST_PROCESS = 0, /* ingest -> process: bare ResourceSpans */
	RING_PROCESS_BATCH = 1,	 /* process -> batch: bare ResourceSpans */
	RING_BATCH_EXPORT = 2,	 /* batch -> export: RECORD_F_REQUEST bodies */
	RING_PIPELINE_COUNT = 3,
};

struct segment_component_params {
	uint32_t kind;		   /* enum seg_component_kind */
	uint32_t signal;	   /* RECORD_SIGNAL_*, 0 = any */
	uint32_t pipeline;	   /* index, SEG_NONE */
	const char *name;	   /* component id (required) */
	const char *pipeline_name; /* NULL = "" */
	const char *transport;	   /* NULL = "" */
};

struct segment_aux_params {
	const char *name; /* unique, 1..63 bytes */
	uint64_t size;	  /* > 0; the region is page-rounded and zeroed */
};

struct segment_params {
	uint32_t nrings;		       /* 0 = RING_PIPELINE_COUNT */
	uint64_t ring_capacity[SEG_MAX_RINGS]; /* 0 = SEG_DEFAULT_RING_CAPACITY;
						   rounded up to a power of two */
	const char *ring_name[SEG_MAX_RINGS];  /* unique; NULL = "ring<i>" */
	uint32_t ring_kind[SEG_MAX_RINGS];     /* enum seg_ring_kind */
	uint32_t ring_signal[SEG_MAX_RINGS];   /* RECORD_SIGNAL_*, 0 = any */
	uint64_t topology;		       /* fingerprint of the plan's rings */
	uint32_t ncomponents;		       /* <= SEG_MAX_COMPONENTS */
	const struct segment_component_params *components;
	uint32_t naux; /* <= SEG_MAX_AUX */
	struct segment_aux_params aux[SEG_MAX_AUX];
};

/* Process-local handle; embed by value. */
struct segment {
	uint8_t *base; /* mapping, NULL when not attached */
	size_t size;
	struct seg_header *hdr;
	struct seg_ring_desc *rings;	 /* ring directory */
	char name[SEG_INSTANCE_MAX + 9]; /* "/sluice.<instance>" */
	int data_fd[SEG_MAX_RINGS];	 /* eventfds, -1 = none */
	int space_fd[SEG_MAX_RINGS];
	char errmsg[200]; /* why the last call failed */
};

/* Create /sluice.<instance> (O_EXCL, 0600), size and format it.
 * -EEXIST if it exists (attach instead), -EINVAL for a bad instance name,
 * capacity, name, count or size (segment_errmsg says which). params may
 * be NULL (the single pipeline's three rings). */
int segment_create(struct segment *seg, const char *instance, const struct segment_params *params);

/* Map an existing segment and check it (see "Trust" above). -ENOENT if
 * absent, -EPROTO, -EBADMSG, -ENOTRECOVERABLE, -EAGAIN if its creator has
 * not finished formatting it (retry briefly; if it stays so, the creator
 * died mid-create: unlink and create again). */
int segment_attach(struct segment *seg, const char *instance);

/* Re-check every ring's control block of an attached segment (safe while
 * the stages run). 0, or -ENOTRECOVERABLE with *bad_ring (may be NULL)
 * set and segment_errmsg naming the ring and the fault. */
int segment_check(struct segment *seg, uint32_t *bad_ring);

/* Unmap (does not close eventfds: see segment_wake_close). */
void segment_detach(struct segment *seg);

/* Remove the name /sluice.<instance>; 0 or -errno (-ENOENT if absent). */
int segment_unlink(const char *instance);

/* Keep a damaged segment for inspection and free its name: rename
 * /dev/shm/sluice.<instance> to sluice.<instance>.damaged-<UTC time>
 * (e.g. ...damaged-20261125T053800Z, "-2" etc. appended if taken) and
 * write `reason` beside it in the same name + ".why". The new path goes to
 * `aside` (may be NULL). 0 or -errno (-ENOENT if there is no segment). */
int segment_set_aside(const char *instance, const char *reason, char *aside, size_t aside_size);

/* Human-readable reason for the last failure on this handle ("" if none). */
static inline const char *segment_errmsg(const struct segment *seg)
{
	return seg->errmsg;
}

static inline uint32_t segment_nrings(const struct segment *seg)
{
	return seg->hdr->nrings;
}
static inline uint64_t segment_topology(const struct segment *seg)
{
	return seg->hdr->topology;
}

/* Bind a ring handle to ring `idx`, with this segment's eventfds for it.
 * -EINVAL if idx >= nrings. */
int segment_ring(struct segment *seg, uint32_t idx, struct ring *r);

/* Name ("" if idx is out of range) and kind of ring idx. */
const char *segment_ring_name(const struct segment *seg, uint32_t idx);
enum seg_ring_kind segment_ring_kind(const struct segment *seg, uint32_t idx);

/* Index of the ring called `name`, or -ENOENT. */
int segment_ring_find(const struct segment *seg, const char *name);

/* Stats block of a stage, NULL if out of range. */
struct stage_stats *segment_stats(struct segment *seg, enum stage_index stage);

/* Component slot idx (in the order given at create), NULL if out of range. */
struct seg_component *segment_component(struct segment *seg, uint32_t idx);
static inline uint32_t segment_ncomponents(const struct segment *seg)
{
	return seg->hdr->ncomponents;
}

/* Add n to / set / read counter c (SEG_C_*) of a component (relaxed; each
 * counter has one writing process). */
static inline void seg_component_add(struct seg_component *k, unsigned c, uint64_t n)
{
	atomic_fetch_add_explicit(&k->counters[c % SEG_COMPONENT_COUNTERS], n, memory_order_relaxed);
}

static inline void seg_component_set(struct seg_component *k, unsigned c, uint64_t v)
{
	atomic_store_explicit(&k->counters[c % SEG_COMPONENT_COUNTERS], v, memory_order_relaxed);
}

static inline uint64_t seg_component_get(const struct seg_component *k, unsigned c)
{
	return atomic_load_explicit(&((struct seg_component *)k)->counters[c % SEG_COMPONENT_COUNTERS],
				    memory_order_relaxed);
}

/* The auxiliary region called `name` (its size in *size, may be NULL), or
 * NULL. Regions start zeroed, 4096-aligned; their content is the owner's. */
void *segment_aux(struct segment *seg, const char *name, uint64_t *size);
static inline uint32_t segment_naux(const struct segment *seg)
{
	return seg->hdr->naux;
}

/* Create a data and a space eventfd for every ring (EFD_NONBLOCK, NOT
 * close-on-exec, so forked+exec'd stages inherit them). */
int segment_wake_create(struct segment *seg);

/* Format the SLUICE_WAKE_FDS value: "ring:datafd:spacefd,..." e.g.
 * "0:5:6,1:7:8,2:9:10". Returns its length, or -ENOSPC. */
int segment_wake_env(const struct segment *seg, char *buf, size_t size);

/* Take eventfds from such a string (NULL = getenv(SLUICE_WAKE_FDS); absent
 * or empty = no eventfds, returns 0). Each fd is checked to be open.
 * -EINVAL with segment_errmsg on a malformed value. */
int segment_wake_import(struct segment *seg, const char *value);

/* Close this process's eventfds and forget them. */
void segment_wake_close(struct segment *seg);

#endif
