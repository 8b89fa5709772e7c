/* agg/sm_expo.c: base-2 exponential histogram buckets (OTel data model):
 * bucket i at scale s holds values in (2^(i/2^s), 2^((i+1)/2^s)], so an
 * exact power of two belongs to the bucket below it. The histogram starts
 * at scale 20 and halves its resolution (scale - 1, index >> 1) whenever
 * the indexes in use would span more than max_size buckets. */
#include <math.h>
#include <string.h>

#include "agg/sm_layout.h"

int32_t sm_expo_index(double v, int32_t scale)
{
	int exp;
	double frac = frexp(v, &exp); /* v = frac * 2^exp, frac in [0.5, 1) */
	int pow2 = frac == 0.5;

	if (scale <= 0) {
		/* exponent mapping: exact */
		int32_t e = exp - 1 - pow2;
		return e >> -scale; /* arithmetic shift: floor division */
	}
	if (pow2)
		return (int32_t)(((int64_t)(exp - 1) << scale) - 1);
	/* logarithm mapping, as the reference implementations do; off by one
	 * at worst right at a boundary, which the data model allows */
	double idx = floor(log(v) * ldexp(1.0 / M_LN2, scale));
	return (int32_t)idx;
}

/* Downscales by `by`: merges each 2^by neighbouring buckets into one. */
static void expo_downscale(struct sm_expo *e, int32_t by)
{
	if (by <= 0)
		return;
	if (e->n) {
		int32_t off = e->offset >> by;
		uint32_t n = 0;
		for (uint32_t i = 0; i < e->n; i++) {
			uint32_t j = (uint32_t)(((e->offset + (int32_t)i) >> by) - off);
			uint64_t c = e->counts[i];
			e->counts[i] = 0;
			e->counts[j] += c; /* j <= i: never overwrites an unread one */
			if (j + 1 > n)
				n = j + 1;
		}
		e->offset = off;
		e->n = n;
	}
	e->scale -= by;
}

void sm_expo_record(struct sm_expo *e, uint32_t max_size, double v)
{
	if (e->zero_count == 0 && e->n == 0) {
		e->min = v;
		e->max = v;
	} else {
		if (v < e->min)
			e->min = v;
		if (v > e->max)
			e->max = v;
	}
	if (!(v > 0)) { /* durations are >= 0: zero (and NaN) count here */
		e->zero_count++;
		return;
	}
	int32_t idx = sm_expo_index(v, e->scale);
	if (e->n == 0) {
		e->offset = idx;
		e->n = 1;
		e->counts[0] = 1;
		return;
	}
	int64_t lo = idx < e->offset ? idx : e->offset;
	int64_t hi = e->offset + (int64_t)e->n - 1;
	if (idx > hi)
		hi = idx;
	int32_t by = 0;
	while ((hi >> by) - (lo >> by) + 1 > (int64_t)max_size && e->scale - by > SM_EXPO_MIN_SCALE)
		by++;
	if (by) {
		expo_downscale(e, by);
		idx >>= by;
	}
	if ((hi >> by) - (lo >> by) + 1 > (int64_t)max_size) {
		/* only a damaged state gets here (scale -10 holds every double
		 * in 2 buckets): start the buckets over rather than overrun */
		memset(e->counts, 0, e->n * sizeof(uint64_t));
		e->n = 0;
	}
	if (e->n == 0) {
		e->offset = idx;
		e->n = 1;
		e->counts[0] = 1;
		return;
	}
	if (idx < e->offset) {
		uint32_t shift = (uint32_t)(e->offset - idx);
		memmove(e->counts + shift, e->counts, e->n * sizeof(uint64_t));
		memset(e->counts, 0, shift * sizeof(uint64_t));
		e->offset = idx;
		e->n += shift;
	} else if ((uint32_t)(idx - e->offset) >= e->n) {
		uint32_t n = (uint32_t)(idx - e->offset) + 1;
		memset(e->counts + e->n, 0, (n - e->n) * sizeof(uint64_t));
		e->n = n;
	}
	e->counts[idx - e->offset]++;
}
