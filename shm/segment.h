/* shm/segment.h - the shared-memory segment of one sluice instance:
 * `/sluice.<instance>` (shm_open, mode 0600) holding a versioned header,
 * the per-stage stats blocks and the rings.
 *
 *   0        struct seg_header (4096 B): magic, layout version, sizes,
 *            ring directory {offset, capacity}, ready flag (set last)
 *   4096     struct stage_stats[STAGE_COUNT]   (4096 B each, shm/stats.h)
 *   ...      ring 0: struct ring_ctrl (512 B) + data[capacity0]
 *            ring 1: ...     (every ring starts on a 4096-byte boundary)
 *
 * Lifecycle: the supervisor (or a test) calls segment_create, then
 * segment_wake_create, and puts segment_wake_env()'s string into the
 * environment of each stage as SLUICE_WAKE_FDS. A stage calls
 * segment_attach, segment_wake_import(seg, NULL) and segment_ring to get
 * its ring handles. Attaching to a segment of another layout version fails
 * with -EPROTO and segment_errmsg() says which versions. segment_unlink
 * removes the name; mappings stay valid until detached.
 *
 * The pipeline uses rings RING_INGEST_PROCESS, RING_PROCESS_BATCH,
 * RING_BATCH_EXPORT; stats blocks are indexed by enum stage_index.
 */
#ifndef SLUICE_SHM_SEGMENT_H
#define SLUICE_SHM_SEGMENT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "shm/ring.h"
#include "shm/stats.h"

#define SEG_MAGIC 0x544e454d47455355ull /* "USEGMENT" */
#define SEG_LAYOUT_VERSION 1u          /* bump on ANY shared layout change */
#define SEG_HEADER_SIZE 4096u
#define SEG_MAX_RINGS 16u
#define SEG_DEFAULT_RING_CAPACITY (16u << 20) /* 16 MiB */
#define SEG_INSTANCE_MAX 64u           /* instance name: [A-Za-z0-9_.-]{1,64} */
#define SEG_WAKE_ENV "SLUICE_WAKE_FDS"

/* Ring indexes of the pipeline. */
enum {
	RING_INGEST_PROCESS = 0, /* ingest -> process: bare ResourceSpans */
	RING_PROCESS_BATCH = 1,  /* process -> batch: bare ResourceSpans */
	RING_BATCH_EXPORT = 2,   /* batch -> export: RECORD_F_REQUEST bodies */
	RING_PIPELINE_COUNT = 3,
};

struct seg_ring_desc {
	uint64_t off;      /* byte offset of the ring's control block */
	uint64_t capacity; /* data bytes */
};

struct seg_header {
	uint64_t magic;          /* SEG_MAGIC */
	uint32_t layout_version; /* SEG_LAYOUT_VERSION */
	uint32_t header_size;    /* SEG_HEADER_SIZE */
	uint64_t total_size;     /* bytes of the whole segment */
	uint32_t nrings;
	uint32_t nstages;        /* STAGE_COUNT */
	uint64_t stats_off;      /* offset of stage_stats[0] */
	uint64_t created_ns;     /* CLOCK_REALTIME ns */
	_Atomic uint32_t ready;  /* 1 once fully formatted (release) */
	uint32_t pad0;
	uint8_t pad1[64 - 56];
	struct seg_ring_desc rings[SEG_MAX_RINGS];
	uint8_t reserved[SEG_HEADER_SIZE - 64 - SEG_MAX_RINGS * sizeof(struct seg_ring_desc)];
};

_Static_assert(sizeof(struct seg_header) == SEG_HEADER_SIZE, "segment header is 4096 bytes");
_Static_assert(offsetof(struct seg_header, layout_version) == 8, "layout_version at 8");
_Static_assert(offsetof(struct seg_header, total_size) == 16, "total_size at 16");
_Static_assert(offsetof(struct seg_header, nrings) == 24, "nrings at 24");
_Static_assert(offsetof(struct seg_header, stats_off) == 32, "stats_off at 32");
_Static_assert(offsetof(struct seg_header, ready) == 48, "ready at 48");
_Static_assert(offsetof(struct seg_header, rings) == 64, "ring directory at 64");

struct segment_params {
	uint32_t nrings;                        /* 0 = RING_PIPELINE_COUNT */
	uint64_t ring_capacity[SEG_MAX_RINGS];  /* 0 = SEG_DEFAULT_RING_CAPACITY;
						   rounded up to a power of two */
};

/* Process-local handle; embed by value. */
struct segment {
	uint8_t *base;                 /* mapping, NULL when not attached */
	size_t size;
	struct seg_header *hdr;
	char name[SEG_INSTANCE_MAX + 9];/* "/sluice.<instance>" */
	int data_fd[SEG_MAX_RINGS];    /* eventfds, -1 = none */
	int space_fd[SEG_MAX_RINGS];
	char errmsg[160];              /* why the last call failed */
};

/* Create /sluice.<instance> (O_EXCL, 0600), size and format it.
 * -EEXIST if it exists (attach instead), -EINVAL for a bad instance name
 * or capacity. params may be NULL (pipeline defaults). */
int segment_create(struct segment *seg, const char *instance, const struct segment_params *params);

/* Map an existing segment. -ENOENT if absent, -EPROTO on a layout version
 * mismatch, -EBADMSG if it is not a sluice segment or is inconsistent,
 * -EAGAIN if its creator has not finished formatting it (retry briefly; if
 * it stays so, the creator died mid-create: unlink and create again). */
int segment_attach(struct segment *seg, const char *instance);

/* Unmap (does not close eventfds: see segment_wake_close). */
void segment_detach(struct segment *seg);

/* Remove the name /sluice.<instance>; 0 or -errno (-ENOENT if absent). */
int segment_unlink(const char *instance);

/* Human-readable reason for the last failure on this handle ("" if none). */
static inline const char *segment_errmsg(const struct segment *seg) { return seg->errmsg; }

static inline uint32_t segment_nrings(const struct segment *seg) { return seg->hdr->nrings; }

/* Bind a ring handle to ring `idx`, with this segment's eventfds for it.
 * -EINVAL if idx >= nrings. */
int segment_ring(struct segment *seg, uint32_t idx, struct ring *r);

/* Stats block of a stage, NULL if out of range. */
struct stage_stats *segment_stats(struct segment *seg, enum stage_index stage);

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
