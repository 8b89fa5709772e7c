/* shm/hist.c - the histogram region: bucket tables, lookup, observe, read.
 *
 * The bucket a value lands in comes from the kind's table here, never from
 * the region, so a damaged region can make numbers wrong but cannot make a
 * writer store outside its histogram. */
#include "shm/hist.h"

#include <errno.h>
#include <string.h>

#include "shm/atomic.h"

#define MS 1000000ull
#define US 1000ull
#define S 1000000000ull

static const uint64_t time_bounds[] = {
	100 * US, 250 * US, 500 * US, 1 * MS, 2500 * US, 5 * MS, 10 * MS, 25 * MS, 50 * MS,
	100 * MS, 250 * MS, 500 * MS, 1 * S,  2500 * MS, 5 * S,	 10 * S,  30 * S,  60 * S,
};

/* The Collector's otelcol_processor_batch_batch_send_size boundaries. */
static const uint64_t size_bounds[] = {
	10,   25,   50,	  75,	100,  250,  500,   750,	  1000,	 2000,	3000,
	4000, 5000, 6000, 7000, 8000, 9000, 10000, 20000, 30000, 50000, 100000,
};

#define N_TIME (sizeof(time_bounds) / sizeof(time_bounds[0]))
#define N_SIZE (sizeof(size_bounds) / sizeof(size_bounds[0]))
_Static_assert(N_TIME + 1 <= HIST_MAX_BUCKETS, "time buckets fit");
_Static_assert(N_SIZE + 1 <= HIST_MAX_BUCKETS, "size buckets fit");

uint32_t hist_bounds(enum hist_kind kind, const uint64_t **bounds)
{
	switch (kind) {
	case HIST_RECEIPT_TO_ACK:
	case HIST_EXPORT_DURATION:
	case HIST_RING_AGE:
		*bounds = time_bounds;
		return N_TIME;
	case HIST_BATCH_SIZE:
		*bounds = size_bounds;
		return N_SIZE;
	default:
		*bounds = NULL;
		return 0;
	}
}

int hist_is_time(enum hist_kind kind)
{
	return kind != HIST_BATCH_SIZE;
}

/* The region of an attached segment, or NULL when absent or not sound. */
static struct hist_region *region(struct segment *seg)
{
	uint64_t size = 0;
	struct hist_region *r = seg ? segment_aux(seg, HIST_REGION_NAME, &size) : NULL;

	if (!r || size < sizeof(*r) || r->magic != HIST_MAGIC || r->version != HIST_VERSION ||
	    r->n > HIST_MAX || hist_region_size(r->n) > size)
		return NULL;
	return r;
}

struct hist *hist_for(struct segment *seg, enum hist_kind kind, uint32_t index)
{
	struct hist_region *r = region(seg);
	const uint64_t *b;

	if (!r || hist_bounds(kind, &b) == 0)
		return NULL;
	for (uint32_t i = 0; i < r->n; i++)
		if (r->h[i].kind == (uint32_t)kind && r->h[i].index == index)
			return &r->h[i];
	return NULL;
}

void hist_observe(struct hist *h, uint64_t value)
{
	const uint64_t *b;
	uint32_t n, lo = 0, hi;

	if (!h || (n = hist_bounds((enum hist_kind)h->kind, &b)) == 0)
		return;
	/* first bound >= value; n when past every bound (+Inf) */
	hi = n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (b[mid] < value)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* one writer: a plain add through relaxed load and store, no lock */
	SHM_STORE_RELAXED(&h->bucket[lo], SHM_LOAD_RELAXED(&h->bucket[lo]) + 1);
	SHM_STORE_RELAXED(&h->sum, SHM_LOAD_RELAXED(&h->sum) + value);
}

uint32_t hist_count(struct segment *seg)
{
	struct hist_region *r = region(seg);

	return r ? r->n : 0;
}

int hist_read(struct segment *seg, uint32_t i, struct hist_snapshot *out)
{
	struct hist_region *r = region(seg);
	struct hist *h;
	uint64_t run = 0;

	if (!r || i >= r->n)
		return -EINVAL;
	h = &r->h[i];
	memset(out, 0, sizeof(*out));
	out->kind = (enum hist_kind)h->kind;
	out->index = h->index;
	out->nbounds = hist_bounds(out->kind, &out->bounds);
	if (out->nbounds == 0)
		return -EINVAL;
	for (uint32_t k = 0; k <= out->nbounds; k++) {
		run += SHM_LOAD_RELAXED(&h->bucket[k]);
		out->cumulative[k] = run;
	}
	out->count = run;
	out->sum = SHM_LOAD_RELAXED(&h->sum);
	return 0;
}

double hist_quantile(const struct hist_snapshot *s, double q)
{
	if (s->count == 0 || s->nbounds == 0)
		return -1;
	double rank = q * (double)s->count;
	for (uint32_t k = 0; k < s->nbounds; k++) {
		if ((double)s->cumulative[k] < rank)
			continue;
		uint64_t below = k ? s->cumulative[k - 1] : 0;
		double lo = k ? (double)s->bounds[k - 1] : 0, hi = (double)s->bounds[k];
		uint64_t in = s->cumulative[k] - below;
		return in ? lo + (hi - lo) * (rank - (double)below) / (double)in : hi;
	}
	return (double)s->bounds[s->nbounds - 1];
}

uint64_t hist_region_size(uint32_t n)
{
	return sizeof(struct hist_region) + (uint64_t)n * sizeof(struct hist);
}

int hist_region_format(void *mem, uint64_t size, const struct hist_spec *specs, uint32_t n)
{
	struct hist_region *r = mem;
	const uint64_t *b;

	if (!mem || n > HIST_MAX || size < hist_region_size(n) || (n && !specs))
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++) {
		if (hist_bounds(specs[i].kind, &b) == 0)
			return -EINVAL;
		for (uint32_t j = 0; j < i; j++)
			if (specs[j].kind == specs[i].kind && specs[j].index == specs[i].index)
				return -EINVAL;
	}
	memset(r, 0, hist_region_size(n));
	for (uint32_t i = 0; i < n; i++) {
		r->h[i].kind = (uint32_t)specs[i].kind;
		r->h[i].index = specs[i].index;
		r->h[i].nbuckets = hist_bounds(specs[i].kind, &b) + 1;
	}
	r->n = n;
	r->version = HIST_VERSION;
	/* the stages attach after the supervisor formatted it (fork and exec
	 * order the stores); no reader races this */
	r->magic = HIST_MAGIC;
	return 0;
}
