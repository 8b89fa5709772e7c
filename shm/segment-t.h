/* shm/segment-t.h - the shared layout of an instance segment (layout
 * version 2). Functions are in shm/segment.h; the picture is there too.
 * Every offset is pinned with _Static_assert: a change breaks the build,
 * and any change must bump SEG_LAYOUT_VERSION.
 */
#ifndef SLUICE_SHM_SEGMENT_T_H
#define SLUICE_SHM_SEGMENT_T_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "shm/stats.h"

#define SEG_MAGIC 0x544e454d47455355ull /* "USEGMENT" */
#define SEG_LAYOUT_VERSION 2u		/* bump on ANY shared layout change */
#define SEG_PAGE 4096u
#define SEG_HEADER_SIZE 4096u
#define SEG_MAX_RINGS 64u
#define SEG_MAX_AUX 16u
#define SEG_MAX_COMPONENTS 4096u
#define SEG_NAME_SIZE 64u /* names: 1..63 printable bytes + NUL */
#define SEG_TRANSPORT_SIZE 16u
#define SEG_COMPONENT_COUNTERS 8u
#define SEG_NONE 0xffffffffu /* "no pipeline" */

/* Fixed areas (bytes from the start of the segment). */
#define SEG_RING_DIR_OFF SEG_HEADER_SIZE /* 4096 */
#define SEG_RING_DESC_SIZE 128u
#define SEG_STATS_OFF (SEG_RING_DIR_OFF + SEG_MAX_RINGS * SEG_RING_DESC_SIZE) /* 12288 */
#define SEG_COMPONENTS_OFF (SEG_STATS_OFF + STAGE_COUNT * STATS_BLOCK_SIZE)   /* 32768 */
#define SEG_COMPONENT_SIZE 256u

enum seg_ring_kind {
	SEG_RING_ANY = 0, /* not said (tests, tools) */
	SEG_RING_IN = 1,  /* ingest -> process */
	SEG_RING_MID = 2, /* process -> batch */
	SEG_RING_OUT = 3, /* batch -> export */
	SEG_RING_KINDS = 4,
};

enum seg_component_kind {
	SEG_COMP_NONE = 0,
	SEG_COMP_RECEIVER = 1,
	SEG_COMP_PROCESSOR = 2,
	SEG_COMP_EXPORTER = 3,
	SEG_COMP_CONNECTOR = 4,
	SEG_COMP_KINDS = 5,
};

/* Counter slots of a component. Each component has ONE writing process
 * (named per kind); items are the slot's signal's unit: spans, log
 * records, metric data points. Monotonic unless marked (G), a gauge. The
 * supervisor serves them on /metrics under the Collector's names
 * (docs/operations.md, "Component counters").
 *
 * receiver (ingest), one slot per receiver x transport x signal:
 *   ACCEPTED         items published into the IN ring (acknowledged)
 *   REFUSED          items refused, every reason (= FULL + INVALID)
 *   REFUSED_FULL     items refused because the ring was full (backpressure:
 *                    HTTP 429/503, gRPC UNAVAILABLE / RESOURCE_EXHAUSTED)
 *   REFUSED_INVALID  items refused as invalid (HTTP 400, INVALID_ARGUMENT,
 *                    rejected in a partial success)
 * processor (process stage; the batch processor: batch stage) and
 * connector (process stage), one slot per component x pipeline:
 *   IN       items that entered it
 *   OUT      items it passed on (a connector: once per target pipeline)
 *   DROPPED  items it dropped on purpose (filter, sampler, a routing table
 *            with no match and no default); a malformed record counts here
 * exporter (export stage), one slot per exporter x pipeline:
 *   SENT               items the backend acknowledged
 *   FAILED             items refused for good (a permanent error or retries
 *                      exhausted), dead-lettered or not
 *   QUEUE_SIZE (G)     bytes of the pipeline's OUT ring this exporter has
 *                      not had acknowledged yet
 *   QUEUE_CAPACITY (G) bytes of that ring; 0 = not set: /metrics then
 *                      shows the OUT ring's used and capacity bytes
 *   RETRIES            request attempts that failed and were retried
 *   DEADLETTER         items written to the dead-letter directory
 *   DEADLETTER_FAILED  dead-letter writes that failed (the batch stays) */
enum {
	SEG_C_ACCEPTED = 0,
	SEG_C_REFUSED = 1, /* receiver */
	SEG_C_REFUSED_FULL = 2,
	SEG_C_REFUSED_INVALID = 3,
	SEG_C_IN = 0,
	SEG_C_OUT = 1,
	SEG_C_DROPPED = 2, /* processor, connector */
	SEG_C_SENT = 0,
	SEG_C_FAILED = 1, /* exporter */
	SEG_C_QUEUE_SIZE = 2,
	SEG_C_QUEUE_CAPACITY = 3,
	SEG_C_RETRIES = 4,
	SEG_C_DEADLETTER = 5,
	SEG_C_DEADLETTER_FAILED = 6,
	SEG_C_SPARE = 7, /* receiver 4..7, processor and
	                                                     connector 3..7, exporter 7: free */
};

struct seg_ring_desc {
	uint64_t off;		  /* +0   control block, 4096-aligned */
	uint64_t capacity;	  /* +8   data bytes, power of two */
	uint32_t kind;		  /* +16  enum seg_ring_kind */
	uint32_t signal;	  /* +20  RECORD_SIGNAL_*, 0 = any */
	uint8_t pad0[8];	  /* +24 */
	char name[SEG_NAME_SIZE]; /* +32  e.g. "mid:traces/payments" */
	uint8_t reserved[32];	  /* +96 */
};

struct seg_aux_desc {
	char name[SEG_NAME_SIZE]; /* +0   e.g. "spanmetrics/red", "" = unused */
	uint64_t off;		  /* +64  4096-aligned */
	uint64_t size;		  /* +72  bytes asked for (the region is page-rounded) */
	uint8_t reserved[48];	  /* +80 */
};

struct seg_component {
	uint32_t kind;					   /* +0   enum seg_component_kind */
	uint32_t signal;				   /* +4   RECORD_SIGNAL_*, 0 = any */
	uint32_t pipeline;				   /* +8   the plan's pipeline index, SEG_NONE */
	uint32_t pad0;					   /* +12 */
	char transport[SEG_TRANSPORT_SIZE];		   /* +16  "grpc", "http", "" */
	char name[SEG_NAME_SIZE];			   /* +32  component id, "otlphttp/backend" */
	char pipeline_name[SEG_NAME_SIZE];		   /* +96  "traces/payments", "" */
	_Atomic uint64_t counters[SEG_COMPONENT_COUNTERS]; /* +160 SEG_C_* */
	uint8_t reserved[32];				   /* +224 */
};

struct seg_header {
	uint64_t magic;			      /* +0   SEG_MAGIC (same place in every version) */
	uint32_t layout_version;	      /* +8   SEG_LAYOUT_VERSION (same place too) */
	uint32_t header_size;		      /* +12  SEG_HEADER_SIZE */
	uint64_t total_size;		      /* +16  bytes of the whole segment */
	uint32_t nrings;		      /* +24  1..SEG_MAX_RINGS */
	uint32_t nstages;		      /* +28  STAGE_COUNT */
	uint64_t stats_off;		      /* +32  SEG_STATS_OFF */
	uint64_t created_ns;		      /* +40  CLOCK_REALTIME ns */
	_Atomic uint32_t ready;		      /* +48  1 once fully formatted (release) */
	uint32_t ncomponents;		      /* +52  0..SEG_MAX_COMPONENTS */
	uint64_t topology;		      /* +56  fingerprint of the plan's ring list */
	uint64_t ring_dir_off;		      /* +64  SEG_RING_DIR_OFF */
	uint64_t components_off;	      /* +72  SEG_COMPONENTS_OFF */
	uint32_t naux;			      /* +80  0..SEG_MAX_AUX */
	uint32_t pad0;			      /* +84 */
	uint8_t pad1[128 - 88];		      /* +88 */
	struct seg_aux_desc aux[SEG_MAX_AUX]; /* +128 */
	uint8_t reserved[SEG_HEADER_SIZE - 128 - SEG_MAX_AUX * sizeof(struct seg_aux_desc)];
};

_Static_assert(sizeof(struct seg_ring_desc) == SEG_RING_DESC_SIZE, "ring desc is 128 bytes");
_Static_assert(offsetof(struct seg_ring_desc, capacity) == 8, "ring desc capacity at 8");
_Static_assert(offsetof(struct seg_ring_desc, kind) == 16, "ring desc kind at 16");
_Static_assert(offsetof(struct seg_ring_desc, signal) == 20, "ring desc signal at 20");
_Static_assert(offsetof(struct seg_ring_desc, name) == 32, "ring desc name at 32");
_Static_assert(sizeof(struct seg_aux_desc) == 128, "aux desc is 128 bytes");
_Static_assert(offsetof(struct seg_aux_desc, off) == 64, "aux desc off at 64");
_Static_assert(offsetof(struct seg_aux_desc, size) == 72, "aux desc size at 72");
_Static_assert(sizeof(struct seg_component) == SEG_COMPONENT_SIZE, "component is 256 bytes");
_Static_assert(offsetof(struct seg_component, transport) == 16, "component transport at 16");
_Static_assert(offsetof(struct seg_component, name) == 32, "component name at 32");
_Static_assert(offsetof(struct seg_component, pipeline_name) == 96, "component pipeline at 96");
_Static_assert(offsetof(struct seg_component, counters) == 160, "component counters at 160");
_Static_assert(sizeof(struct seg_header) == SEG_HEADER_SIZE, "segment header is 4096 bytes");
_Static_assert(offsetof(struct seg_header, layout_version) == 8, "layout_version at 8");
_Static_assert(offsetof(struct seg_header, total_size) == 16, "total_size at 16");
_Static_assert(offsetof(struct seg_header, nrings) == 24, "nrings at 24");
_Static_assert(offsetof(struct seg_header, stats_off) == 32, "stats_off at 32");
_Static_assert(offsetof(struct seg_header, ready) == 48, "ready at 48");
_Static_assert(offsetof(struct seg_header, ncomponents) == 52, "ncomponents at 52");
_Static_assert(offsetof(struct seg_header, topology) == 56, "topology at 56");
_Static_assert(offsetof(struct seg_header, ring_dir_off) == 64, "ring_dir_off at 64");
_Static_assert(offsetof(struct seg_header, components_off) == 72, "components_off at 72");
_Static_assert(offsetof(struct seg_header, naux) == 80, "naux at 80");
_Static_assert(offsetof(struct seg_header, aux) == 128, "aux directory at 128");
_Static_assert(SEG_STATS_OFF == 12288, "stats at 12288");
_Static_assert(SEG_COMPONENTS_OFF == 32768, "components at 32768");
_Static_assert(SEG_COMPONENTS_OFF % SEG_PAGE == 0, "components page-aligned");

#endif
