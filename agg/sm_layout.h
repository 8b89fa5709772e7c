/* agg/sm_layout.h: private to agg/spanmetrics*: the region's layout and the
 * in-process state around it.
 *
 * Region (offsets only, no pointers: it may map at another address after a
 * restart):
 *
 *   0        +--------------------------------------------------+
 *            | struct sm_hdr (4096): magic, version, layout,    |
 *            |   epoch (= last confirmed flush), last_flush_ns, |
 *            |   pending flush, per source: applied seq and     |
 *            |   partial progress                               |
 *   log_off  +--------------------------------------------------+
 *            | struct sm_log_hdr: state (0 empty, 1 committed)  |
 *            | entries: {kind, len, target} + payload, 8-aligned|
 *            |   COPY : memcpy(region + target, payload, len)   |
 *            |   WORDS: payload = {offset, value} u64 pairs     |
 *   res_off  +--------------------------------------------------+
 *            | resource slots [n_res] (slot 0: the overflow     |
 *            |   resource): sm_res + attribute KeyValue fields  |
 *   ser_off  +--------------------------------------------------+
 *            | series slots [n_series]:                         |
 *            |   sm_series (32) | values (vals_size) | key      |
 *   dc_off   +--------------------------------------------------+
 *            | delta only: struct sm_dcache [dc_n], the epoch   |
 *            |   each series was last touched in, by its hash   |
 *            +--------------------------------------------------+
 *
 * Delta start times (the Collector's metric_timestamp_cache): a delta
 * series' point starts where that series' previous point ended, so a
 * consumer that adds deltas up (the prometheus exporter, the Collector's
 * accumulator) can chain them. A delta series' slot is freed after every
 * flush, so what survives is the cache (direct-mapped by hash, written
 * through the log with the series' fresh image: the epoch E it was touched
 * in; its point was the one of flush E + 1) and the times of the last
 * SM_FLUSH_RING flushes (hdr.flush_ns[n % SM_FLUSH_RING], logged with the
 * flush). A series not in the cache, or whose flush is older than the
 * ring, starts at the last flush (the Collector: its cache miss).
 *
 * Every change a record or a confirmed flush makes goes through the log: a
 * commit writes the new images or words into it, stores state = 1
 * (release), applies the entries, stores state = 0. A record writes no
 * slot directly, so a crash before the release store leaves the old state
 * whole. (The only direct stores: the rebuild freeing dead slots, below,
 * and the pending-flush words, see sm_flush.c.)
 *
 * Liveness is derived, not stored: a used series is live when
 *   delta:      its epoch == hdr.epoch (touched since the last flush_done)
 *   cumulative: expiration == 0 or last_flush_ns - last_ns < expiration
 * The rebuild (on attach and after every flush_done) marks dead slots
 * free (used = 0, a direct store: deadness follows from durable state and
 * never reverts, so a crash anywhere leaves it right); reuse overwrites a
 * slot whole through the log. Indexes, free lists and per-resource counts
 * are in-process, made by that rebuild.
 */
#ifndef SLUICE_AGG_SM_LAYOUT_H
#define SLUICE_AGG_SM_LAYOUT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "agg/hash.h"
#include "agg/spanmetrics.h"

#define SM_MAGIC 0x3147504d53554c53ull /* "SLUSMPG1" */
#define SM_VERSION 2u		       /* 2: the delta start-time cache and flush ring */
#define SM_HDR_SIZE 4096u
#define SM_FLUSH_RING 128u /* flush times kept (delta start times) */
#define SM_EXPO_MAX_SCALE 20
#define SM_EXPO_MIN_SCALE (-10)

struct sm_src {
	uint64_t applied;      /* last record seq fully applied */
	uint64_t partial_seq;  /* record committed in part (0: none) */
	uint64_t partial_done; /* spans of it already counted */
	uint64_t reserved;
};

struct sm_hdr {
	uint64_t magic;
	uint32_t version, hdr_size;
	uint64_t region_size;
	uint64_t fingerprint; /* of the params that shape layout and keys */
	uint32_t n_series, n_res;
	uint32_t series_size, res_size;
	uint32_t vals_size, key_cap;
	uint32_t res_attr_cap, n_buckets;
	uint64_t log_off, log_size, res_off, ser_off;
	uint64_t created_ns;
	/* durable state, changed through the log only */
	uint64_t epoch;		/* last confirmed flush number */
	uint64_t last_flush_ns; /* its time (0: no flush yet) */
	/* flush built and not yet confirmed: plain stores, see sm_flush.c */
	uint64_t pending_seq, pending_ns;
	uint64_t dc_off; /* delta start-time cache (0: none) */
	uint32_t dc_n, reserved32;
	uint64_t reserved[6];
	struct sm_src src[AGG_SOURCES_MAX];
	uint64_t flush_ns[SM_FLUSH_RING]; /* time of flush n at [n % ring], via the log */
};
_Static_assert(sizeof(struct sm_hdr) <= SM_HDR_SIZE, "header fits its page");
_Static_assert(offsetof(struct sm_hdr, src) % 8 == 0, "src table 8-aligned");

struct sm_log_hdr {
	_Atomic uint64_t state; /* 0 empty, 1 committed (apply it) */
	uint64_t n_entries;
	uint64_t bytes; /* of entries after this header */
	uint64_t reserved;
};
_Static_assert(sizeof(struct sm_log_hdr) == 32, "log header is 32 bytes");

enum {
	SM_LOG_COPY = 1,
	SM_LOG_WORDS = 2
};
struct sm_log_entry {
	uint32_t kind;
	uint32_t len;	 /* payload bytes */
	uint64_t target; /* COPY: region offset */
};
_Static_assert(sizeof(struct sm_log_entry) == 16, "log entry header is 16 bytes");

struct sm_res {
	uint64_t key_lo, key_hi; /* hash of the key attributes */
	uint32_t used;
	uint32_t attrs_len; /* bytes of KeyValue fields (tag 1) after this */
	uint32_t flags;	    /* SM_RES_OVERFLOW */
	uint32_t reserved;
};
_Static_assert(sizeof(struct sm_res) == 32, "resource slot header is 32 bytes");
enum {
	SM_RES_OVERFLOW = 1
};

struct sm_dcache {
	uint64_t hash, hash2; /* the series' identity: its key hashed with the
				   * resource's key hash (a series' own hash is
				   * seeded by the resource slot, which a resource
				   * may change between epochs) */
	uint64_t epoch;	      /* touched in it last: its point ended at flush epoch + 1 */
};
_Static_assert(sizeof(struct sm_dcache) == 24, "delta cache entry is 24 bytes");

struct sm_series {
	uint64_t hash; /* 128-bit hash of the key bytes (seeded by */
	uint32_t used; /* the resource): the series' identity */
	uint32_t res;  /* resource slot */
	uint32_t key_len;
	uint32_t flags; /* SM_SER_OVERFLOW */
	uint64_t hash2;
};
_Static_assert(sizeof(struct sm_series) == 32, "series slot header is 32 bytes");
enum {
	SM_SER_OVERFLOW = 1
};

/* Values part of a series (vals_size bytes): this, then the histogram
 * (explicit: u64 counts[n_buckets]; exponential: struct sm_expo), then
 * exemplars_max struct sm_exemplar. */
struct sm_vals {
	uint64_t epoch; /* hdr.epoch when last touched */
	uint64_t start_ns;
	uint64_t last_ns;
	uint64_t calls;
	double sum;
	uint64_t ex_mask; /* exemplar slots set in this epoch */
};
_Static_assert(sizeof(struct sm_vals) == 48, "values header is 48 bytes");

struct sm_expo {
	int32_t scale;
	int32_t offset; /* bucket index of counts[0] */
	uint32_t n;	/* buckets in use */
	uint32_t reserved;
	uint64_t zero_count;
	double min, max;
	uint64_t counts[]; /* expo_max_size */
};
_Static_assert(sizeof(struct sm_expo) == 40, "expo header is 40 bytes");

struct sm_exemplar {
	uint8_t trace_id[16];
	uint8_t span_id[8];
	double value;
};
_Static_assert(sizeof(struct sm_exemplar) == 32, "exemplar is 32 bytes");

/* Key component order in the stored key: each is u16 length + bytes,
 * length 0xffff = absent. Dimension values are AnyValue bytes. */
enum {
	SM_K_SERVICE,
	SM_K_NAME,
	SM_K_KIND,
	SM_K_STATUS,
	SM_K_DIM0
};
#define SM_ABSENT 0xffffu

/* ----- in-process state ----- */

/* A series this record touched. Its image holds, for a new series or an
 * exponential histogram, the absolute values (copied from the region on
 * first touch); otherwise only what this record adds (calls, sum, bucket
 * counts, exemplars), so the per-span path never reads the region: the
 * commit adds the region's values, all loads of one record in flight
 * together. */
struct sm_pend {
	uint32_t slot;
	uint32_t fresh; /* new series: the whole slot image is logged */
	uint64_t words; /* explicit: bit i = counts[i] changed */
	uint32_t ix;	/* its index entry + 1 (0: overflow series) */
	uint32_t reserved;
	uint64_t dc_hash, dc_hash2; /* fresh delta series: its delta cache identity */
};

struct sm_rctx {   /* the resource of the spans being added */
	int valid; /* 0 none, 1 counted, -1 no service.name */
	uint32_t res;
	uint64_t seed;
	uint64_t res_lo, res_hi; /* the resource's key hash (not its slot) */
	struct otlp_bytes service;
	struct otlp_value dim[AGG_DIMS_MAX];
	uint32_t dims_present;
};

struct sm_ix { /* open addressing entry */
	uint64_t hash, hash2;
	uint32_t slot; /* slot + 1, 0 empty */
	uint32_t pend; /* its pend in the open record + 1, 0 none */
};

struct sm_rix {		 /* resource index entry */
	uint64_t lo, hi; /* resource key */
	uint32_t slot;	 /* slot + 1, 0 empty */
	uint32_t reserved;
};

struct agg {
	uint8_t *base;
	size_t size;
	struct sm_hdr *h;
	struct agg_params p;
	/* derived */
	double bounds[AGG_BOUNDS_MAX];
	uint32_t n_bounds, n_buckets, ex_max, expo_max;
	double divider;
	/* explicit buckets by integer compares (sm_derive): bounds[i] < the
	 * duration in unit exactly when its ns > bound_ns[i] (UINT64_MAX: never,
	 * or always for the n_always bounds below any duration) */
	uint64_t bound_ns[AGG_BOUNDS_MAX];
	uint32_t n_always;
	size_t ns_len;
	char ns[128];
	size_t res_key_len[AGG_RES_KEYS_MAX];
	size_t dim_len[AGG_DIMS_MAX];
	struct otlp_value dim_default[AGG_DIMS_MAX];
	/* index of live series and of live resources */
	struct sm_ix *ix;
	uint32_t ix_mask; /* in use: sized to the live series, grows */
	uint32_t ix_max;  /* allocated entries */
	struct sm_rix *rix;
	uint32_t rix_mask;
	uint32_t *free_ser, n_free_ser;
	uint32_t *free_res, n_free_res;
	uint32_t *res_count;	  /* live normal series per resource */
	uint32_t *res_over;	  /* overflow series slot + 1 per resource */
	uint32_t n_normal;	  /* live normal series */
	uint32_t *order, *rstart; /* flush: live series grouped by resource */
	uint64_t *listed;	  /* bit per slot: live, checked, in the index */
	/* the open record */
	int open;
	uint32_t source;
	uint64_t seq, now_ns, done, skip;
	struct sm_rctx rc;
	struct sm_pend *pend;
	uint8_t *pend_img; /* commit_series slot images */
	uint32_t n_pend, pend_max;
	uint32_t *touch; /* per series slot: pend index + 1 */
	uint32_t *rpend; /* resource slots created in this record */
	uint8_t *rpend_img;
	uint32_t n_rpend, rpend_max;
	uint8_t keybuf[65536 + 64];
	uint8_t *kchunk; /* agg_add_many, agg_add_wire: 16 keys */
	/* agg_add_wire (sm_wire.c): the resource's part of every key, made
	 * once a resource: its service component, and per dimension what a
	 * span without it gets (the resource's value, the default, absent) */
	uint16_t dim_by_len[64];	 /* bit i: dims[i] has this key length */
	uint64_t dim_w[AGG_DIMS_MAX][2]; /* its first and last 8 bytes (length >= 8) */
	uint8_t *wfb; /* [AGG_DIMS_MAX + 1][SM_WFB(key_cap)]: dimensions, then the service */
	uint32_t wfb_len[AGG_DIMS_MAX + 1], wfb_room[AGG_DIMS_MAX];
	int wpre_over; /* the service alone passes key_cap */
	struct agg_stats st;
};

#define SM_WFB(key_cap) ((size_t)(key_cap) + 16)

static inline uint8_t *sm_slot(const struct agg *a, uint32_t i)
{
	return a->base + a->h->ser_off + (uint64_t)i * a->h->series_size;
}
/* The delta cache entry for a series hash (NULL: no cache). */
static inline struct sm_dcache *sm_dcache_at(const struct agg *a, uint64_t hash)
{
	if (!a->h->dc_n)
		return NULL;
	return (struct sm_dcache *)(a->base + a->h->dc_off) + (hash & (a->h->dc_n - 1));
}

static inline uint8_t *sm_rslot(const struct agg *a, uint32_t i)
{
	return a->base + a->h->res_off + (uint64_t)i * a->h->res_size;
}
static inline struct sm_vals *sm_vals_of(uint8_t *slot)
{
	return (struct sm_vals *)(slot + sizeof(struct sm_series));
}
static inline uint8_t *sm_key_of(const struct agg *a, uint8_t *slot)
{
	return slot + sizeof(struct sm_series) + a->h->vals_size;
}
static inline uint64_t *sm_counts(struct sm_vals *v)
{
	return (uint64_t *)(v + 1);
}
static inline struct sm_expo *sm_expo_of(struct sm_vals *v)
{
	return (struct sm_expo *)(v + 1);
}
static inline struct sm_exemplar *sm_ex_of(const struct agg *a, struct sm_vals *v)
{
	return (struct sm_exemplar *)((uint8_t *)v + a->h->vals_size -
				      a->ex_max * sizeof(struct sm_exemplar));
}

/* sm_region.c */
int sm_derive(struct agg *a, const struct agg_params *p);
int sm_rebuild(struct agg *a);
int sm_series_live(const struct agg *a, uint8_t *slot);
void sm_ix_grow(struct agg *a);

/* sm_log.c */
int sm_log_replay(struct agg *a);
int sm_commit_now(struct agg *a, int partial);
int sm_commit_flush(struct agg *a, uint64_t n, uint64_t flush_ns);

/* sm_expo.c */
int32_t sm_expo_index(double v, int32_t scale);
void sm_expo_record(struct sm_expo *e, uint32_t max_size, double v);

/* sm_util.c */
size_t sm_anyvalue_put(uint8_t *p, const struct otlp_value *v);

/* sm_apply.c: the per-span steps agg_add and agg_add_wire share */
int sm_admit(struct agg *a);
uint32_t sm_find_series(struct agg *a, const uint8_t *key, long klen, uint64_t hash, uint64_t hash2);
void sm_update(struct agg *a, uint32_t pi, uint64_t start_ns, uint64_t end_ns, const uint8_t *trace_id,
	       const uint8_t *span_id);

#endif
