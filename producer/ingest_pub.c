/* producer/ingest_pub.c: publishing a validated request into its IN ring,
 * all or nothing, and the counters that go with it.
 *
 * All or nothing: every resource (ResourceSpans / ResourceLogs /
 * ResourceMetrics) of a request is reserved first; one ring_publish makes
 * them visible together, so a client that is refused (ring full) or a
 * process that dies mid-request has published nothing. A request whose
 * records could not fit even an empty ring is refused with INGEST_ETOOBIG
 * rather than left to wait forever.
 *
 * Every signal's request has its resources at field 1 (otlp/signal.h), so
 * the walk is the same for all; only the item count differs (the signal
 * descriptor's count_items).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "producer/ingest.h"
#include "rt/clock.h"
#include "shm/copy.h"

/* An Export*ServiceRequest's resources: field 1 for every signal. */
#define INGEST_F_RESOURCES 1

_Static_assert(RECORD_SIGNAL_TRACES == OTLP_SIGNAL_TRACES + 1 && RECORD_SIGNAL_LOGS == OTLP_SIGNAL_LOGS + 1 &&
		       RECORD_SIGNAL_METRICS == OTLP_SIGNAL_METRICS + 1,
	       "ring records carry the otlp signal + 1");

uint64_t ingest_now_ns(void)
{
	return rt_real_ns();
}

static void ingest_count(struct ingest *ig, enum stat_counter c, uint64_t n)
{
	if (ig->stats && n)
		stats_add(ig->stats, c, n);
}

void ingest_count_refused(struct ingest *ig, const struct ingest_route *rt, enum stat_counter c,
			  uint64_t items)
{
	ingest_count(ig, c, items);
	if (rt && rt->stat && items)
		seg_component_add(rt->stat, SEG_C_REFUSED, items);
}

/* Items per resource remembered from the sizing pass, so the copy pass
 * need not count again (a request rarely has more resources than this). */
#define INGEST_RES_MEMO 64

/* Items of the next resource: the validator's count when the request has
 * one resource (the usual case: no second walk), else counted. */
static int ingest_items(const struct otlp_signal_desc *sd, struct otlp_bytes res, int64_t known,
			uint64_t *items)
{
	int64_t n = known >= 0 ? known : sd->count_items(res);
	if (n < 0)
		return (int)n;
	*items = (uint64_t)n;
	return 0;
}

int ingest_publish_counted(struct ingest_ring *o, const struct ingest_route *rt, const uint8_t *data,
			   size_t len, uint64_t ingest_ns, uint32_t resources, uint64_t items_all,
			   uint16_t rec_flags)
{
	const struct otlp_signal_desc *sd = otlp_signal_get(o->signal);
	struct otlp_wire_iter it;
	struct otlp_bytes req = { data, len }, res;
	uint64_t memo[INGEST_RES_MEMO];
	uint64_t need = 0, seq = o->last_seq, items = 0, n_items = 0;
	uint32_t n = 0, j;
	int rc;

	int64_t known = resources == 1 ? (int64_t)items_all : -1;

	/* First pass: sizes only, so a request that can never fit is refused
	 * before anything is reserved. Half the ring always fits an empty
	 * ring, whatever the wrap padding. */
	otlp_wire_iter_init(&it, req, INGEST_F_RESOURCES);
	for (j = 0; (rc = otlp_wire_iter_next(&it, &res)) > 0; j++) {
		if ((rc = ingest_items(sd, res, known, &n_items)) < 0)
			break;
		if (j < INGEST_RES_MEMO)
			memo[j] = n_items;
		if (n_items == 0)
			continue;
		if (res.len > ring_max_payload(o->ring))
			return INGEST_ETOOBIG;
		need += record_size((uint32_t)res.len);
	}
	if (rc < 0)
		return INGEST_EINTERNAL; /* validated before: cannot happen */
	if (need > ring_capacity(o->ring) / 2)
		return INGEST_ETOOBIG;

	otlp_wire_iter_init(&it, req, INGEST_F_RESOURCES);
	for (j = 0; (rc = otlp_wire_iter_next(&it, &res)) > 0; j++) {
		struct record *rec;
		if (j < INGEST_RES_MEMO)
			n_items = memo[j];
		else if ((rc = ingest_items(sd, res, known, &n_items)) < 0)
			break;
		if (n_items == 0)
			continue;
		rc = ring_try_reserve(o->ring, (uint32_t)res.len, &rec);
		if (rc < 0) {
			ring_cancel(o->ring);
			if (rc == -EAGAIN)
				return INGEST_EFULL;
			return rc == -EMSGSIZE ? INGEST_ETOOBIG : INGEST_EINTERNAL;
		}
		rec->signal = (uint16_t)(o->signal + 1);
		rec->flags = rec_flags;
		rec->seq = ++seq;
		rec->ingest_ns = ingest_ns;
		rec->items = n_items > UINT32_MAX ? UINT32_MAX : (uint32_t)n_items;
		/* checksummed from the source while copying: the ring copy is
		 * written past the cache */
		record_seal_payload(rec, copy_to_ring_crc(record_payload(rec), res.p, res.len, 0));
		items += n_items;
		n++;
	}
	if (rc < 0) {
		ring_cancel(o->ring);
		return INGEST_EINTERNAL;
	}
	if (n > 0 && ring_publish(o->ring) < 0)
		return INGEST_EINTERNAL;
	o->last_seq = seq;
	ingest_count(o->ig, STAT_RECORDS_OUT, n);
	ingest_count(o->ig, STAT_SPANS_IN, items);
	if (rt && rt->stat && items)
		seg_component_add(rt->stat, SEG_C_ACCEPTED, items);
	return INGEST_OK;
}

int ingest_publish(struct ingest_ring *o, const uint8_t *data, size_t len, uint64_t ingest_ns)
{
	return ingest_publish_counted(o, NULL, data, len, ingest_ns, 0, 0, 0);
}
