/* process.c: ring-to-ring loop of the process stage. Output is written
 * straight into the reserved ring space (no intermediate copy): reserve a
 * generous size, rewrite into it, lower rec->len. */
#include "stages/process.h"

#include "shm/copy.h"

#include <errno.h>
#include <string.h>

#include "config/log.h"
#include "rt/clock.h"

#define PROCESS_WAIT_NS (100 * 1000 * 1000ll)

static void process_count(struct stage_stats *st, enum stat_counter c, uint64_t n)
{
	if (st && n)
		stats_add(st, c, n);
}

/* Reserve, waiting while the output ring is full. */
static int process_reserve(struct process_ctx *p, uint32_t len, struct record **o)
{
	for (;;) {
		int rc = ring_reserve(p->out, len, o, PROCESS_WAIT_NS);
		if (rc == -ETIMEDOUT || rc == -EAGAIN) {
			process_count(p->st, STAT_RING_FULL_WAITS, 1);
			if (p->st)
				stats_heartbeat(p->st);
			continue;
		}
		if (rc != -EINTR)
			return rc;
	}
}

/* One record; 0 or a fatal negative errno. */
static int process_one(struct process_ctx *p, const struct record *rec)
{
	const uint8_t *in = record_cpayload(rec);
	uint32_t max = ring_max_payload(p->out);
	struct otlp_rewrite_result res = { 0 };
	struct record *o;
	int64_t n;
	int rc, pass = 0;
	process_count(p->st, STAT_RECORDS_IN, 1);
	process_count(p->st, STAT_BYTES_IN, rec->len);
	if (rec->flags & RECORD_F_REQUEST) { /* ring 0 carries bare ResourceSpans only */
		log_msg(LOG_WARN, "record seq %llu is a request body, not a ResourceSpans; "
			"its %u spans are dropped", (unsigned long long)rec->seq, rec->items);
		process_count(p->st, STAT_SPANS_IN, rec->items);
		process_count(p->st, STAT_SPANS_REFUSED_INVALID, rec->items);
		return 0;
	}
	if (!p->chain || !p->chain->n) {
		if ((rc = process_reserve(p, rec->len, &o)) < 0)
			return rc;
		copy_to_ring(record_payload(o), in, rec->len);
		n = rec->len;
		pass = 1;
		res.spans_in = res.spans_kept = rec->items;
	} else {
		uint64_t want = (uint64_t)rec->len + rec->len / 2 + 4096;
		if (want > max)
			want = max;
		if ((rc = process_reserve(p, (uint32_t)want, &o)) < 0)
			return rc;
		n = chain_run(p->chain, in, rec->len, record_payload(o), want, &res);
		if (n == -ENOSPC && want < max) {
			ring_cancel(p->out);
			if ((rc = process_reserve(p, max, &o)) < 0)
				return rc;
			n = chain_run(p->chain, in, rec->len, record_payload(o), max, &res);
		}
		chain_flush_stats(p->chain);
	}
	process_count(p->st, STAT_SPANS_IN, rec->items);
	if (n <= 0) {
		ring_cancel(p->out);
		if (n < 0) {
			log_msg(LOG_WARN, "record seq %llu: %s; its %u spans are dropped",
				(unsigned long long)rec->seq,
				n == -ENOSPC ? "output larger than a ring record" : "malformed",
				rec->items);
			process_count(p->st, STAT_SPANS_REFUSED_INVALID, rec->items);
		} else {
			process_count(p->st, STAT_SPANS_DROPPED, rec->items);
		}
		return 0;
	}
	o->len = (uint32_t)n;
	o->flags = 0;
	o->seq = rec->seq;
	o->ingest_ns = rec->ingest_ns;
	o->items = res.spans_kept;
	if (pass) /* same payload: its CRC is known from ring_peek */
		record_seal_payload(o, ring_payload_crc(p->in));
	ring_publish(p->out);
	process_count(p->st, STAT_RECORDS_OUT, 1);
	process_count(p->st, STAT_BYTES_OUT, (uint64_t)n);
	process_count(p->st, STAT_SPANS_OUT, res.spans_kept);
	if (rec->items > res.spans_kept)
		process_count(p->st, STAT_SPANS_DROPPED, rec->items - res.spans_kept);
	return 0;
}

int process_run(struct process_ctx *p)
{
	uint64_t skip = ring_last_seq(p->out);
	uint64_t last_hb = 0, done = 0;
	for (;;) {
		const struct record *rec;
		bool stopping = p->stop && rt_stop_check(p->stop);
		int rc = ring_peek(p->in, &rec, stopping ? 0 : PROCESS_WAIT_NS);
		if (rc == -EAGAIN || rc == -ETIMEDOUT || rc == -EINTR) {
			if (p->st)
				stats_heartbeat(p->st);
			if (stopping && rc == -EAGAIN)
				return 0; /* drained */
			continue;
		}
		if (rc < 0)
			return rc;
		if (rec->seq <= skip) {
			process_count(p->st, STAT_DUPLICATES_SKIPPED, rec->items);
		} else if ((rc = process_one(p, rec)) < 0) {
			return rc;
		}
		if ((rc = ring_commit(p->in, ring_cursor(p->in))) < 0)
			return rc;
		if ((++done & 63) == 0 && p->st) {
			uint64_t now = rt_mono_ns();
			if (now - last_hb > 50000000ull) {
				stats_heartbeat(p->st);
				last_hb = now;
			}
		}
		if (p->max_records && done >= p->max_records)
			return 0;
	}
}
