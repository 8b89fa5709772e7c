/* tools/sink/sink_lat.c: the latency histogram behind --latency.
 *
 * A request's spans go to a pending histogram first because the sink only
 * decides whether it accepts a request (schedule, validity) after the one
 * pass that also reads the end times; commit or discard then touches only
 * the buckets the request used. Pending parts are per connection (bodies of
 * several connections may be arriving at once), the totals one. */
#include "tools/sink/sink_scan.h"

#include <string.h>

/* Buckets: 10 a decade from 1 us (bucket 0: < 1 us). The edges are the
 * ones the summary always printed, so figures stay comparable. */
unsigned sink_lat_bucket(uint64_t ns)
{
	if (ns < 1000)
		return 0;
	double l = 0;
	uint64_t v = ns / 1000;
	while (v >= 10) { /* whole decades */
		v /= 10;
		l += 1;
	}
	unsigned b = 1 + (unsigned)(l * 10);
	/* position inside the decade */
	uint64_t dec = 1000;
	for (int i = 0; i < (int)l; i++)
		dec *= 10;
	unsigned sub = (unsigned)((double)(ns - dec) / (double)(dec * 9) * 10.0);
	b += sub > 9 ? 9 : sub;
	return b >= SINK_LAT_BUCKETS ? SINK_LAT_BUCKETS - 1 : b;
}

double sink_lat_bucket_ns(unsigned b)
{
	if (b == 0)
		return 1000;
	unsigned dec = (b - 1) / 10, sub = (b - 1) % 10;
	double base = 1000;
	for (unsigned i = 0; i < dec; i++)
		base *= 10;
	return base + base * 9 * (sub + 1) / 10.0; /* upper edge */
}

static void lat_clear_pend(struct sink_lat_req *l)
{
	for (unsigned b = l->pend_lo; b <= l->pend_hi && b < SINK_LAT_BUCKETS; b++)
		l->pend[b] = 0;
	l->pend_lo = SINK_LAT_BUCKETS;
	l->pend_hi = 0;
	l->run_end = 0;
	l->run_n = 0;
}

void sink_lat_req_init(struct sink_lat_req *l)
{
	memset(l, 0, sizeof(*l));
	l->pend_lo = SINK_LAT_BUCKETS;
}

void sink_lat_begin(struct sink_lat_req *l, uint64_t now_ns)
{
	lat_clear_pend(l); /* nothing pending unless a caller forgot to commit */
	l->now_ns = now_ns;
}

void sink_lat_flush_run(struct sink_lat_req *l)
{
	if (l->run_n && l->run_end && l->now_ns > l->run_end) {
		unsigned b = sink_lat_bucket(l->now_ns - l->run_end);
		l->pend[b] += l->run_n;
		if (b < l->pend_lo)
			l->pend_lo = b;
		if (b > l->pend_hi)
			l->pend_hi = b;
	}
	l->run_n = 0;
}

void sink_lat_commit(struct sink_lat_req *l, struct sink_lat *tot)
{
	sink_lat_flush_run(l);
	for (unsigned b = l->pend_lo; b <= l->pend_hi && b < SINK_LAT_BUCKETS; b++) {
		tot->lat[b] += l->pend[b];
		tot->n += l->pend[b];
	}
	lat_clear_pend(l);
}

void sink_lat_discard(struct sink_lat_req *l)
{
	lat_clear_pend(l);
}

double sink_lat_pct(const struct sink_lat *l, double q)
{
	uint64_t want = (uint64_t)(q * (double)l->n), acc = 0;
	for (unsigned b = 0; b < SINK_LAT_BUCKETS; b++) {
		acc += l->lat[b];
		if (acc > want)
			return sink_lat_bucket_ns(b);
	}
	return 0;
}
