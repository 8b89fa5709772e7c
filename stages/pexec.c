/* stages/pexec.c: one input (an IN record or a span-metrics flush) through
 * the process stage's graph (stages/process_priv.h).
 *
 * A pipeline runs only if something it can reach still needs this input
 * (a MID ring not yet published for it, an aggregation that has not
 * counted it): on a retry after a full ring, only the blocked branch runs.
 * Its chain writes:
 *   - straight into its MID ring's reserved record when that is the first
 *     record this input sends there (the usual case: no copy at all);
 *   - else into a scratch buffer of its depth, copied into the MID ring.
 * Either way the output is the next pipelines' input (a view into the
 * reserved record or the scratch; both stay put until the input ends).
 * A pipeline without processors passes its input on as it is.
 * Reserves never wait: a full ring is marked BLOCKED, its records are
 * cancelled at the end, the rest is published.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "shm/copy.h"
#include "stages/process_priv.h"

static inline bool wanted(const struct process *p, uint64_t mid, uint64_t sm)
{
	return (mid & p->todo_mid) || (sm & p->todo_sm);
}

static uint16_t record_signal(const struct px_pipe *pipe)
{
	return (uint16_t)(pipe->cfg->signal + 1); /* RECORD_SIGNAL_* are 1-based */
}

static int grow(struct process *p, struct px_buf *b, size_t want)
{
	if (b->cap >= want)
		return 0;
	uint8_t *n = realloc(b->p, want);
	if (!n) {
		p->fatal = -ENOMEM;
		return -ENOMEM;
	}
	b->p = n;
	b->cap = want;
	return 0;
}

/* A reserve of `want` bytes in m failed with rc. */
static void block(struct process *p, struct px_mid *m, uint32_t ring, uint64_t want, int rc)
{
	if (rc != -EAGAIN) { /* the ring refuses what it should take: a bug, not data */
		p->fatal = rc;
		return;
	}
	m->state = PX_BLOCKED;
	if (want > m->want)
		m->want = (uint32_t)want;
	p->todo_mid &= ~(1ull << ring);
}

static void fill_header(struct process *p, const struct px_pipe *pipe, struct record *o, size_t len,
			uint64_t items)
{
	o->len = (uint32_t)len;
	o->signal = record_signal(pipe);
	o->flags = 0;
	o->ingest_ns = p->cur.ingest_ns;
	o->items = (uint32_t)items;
}

static void note_out(struct px_mid *m, size_t len, uint64_t items)
{
	m->state = PX_OPEN;
	m->n_out++;
	m->items += items;
	m->bytes += len;
}

/* A chain result that leaves nothing to pass on (n <= 0). */
static void chain_nothing(struct process *p, const struct px_pipe *pipe, const struct px_view *in, int64_t n)
{
	if (n == 0) {
		p->dropped += in->items;
		return;
	}
	p->refused += in->items;
	if (px_log_ok(p))
		log_msg(LOG_WARN, "pipeline %s: input seq %llu: %s; its %llu items are dropped",
			pipe->cfg->id, (unsigned long long)p->cur.seq,
			n == -ENOSPC ? "output larger than a ring record" : "malformed",
			(unsigned long long)in->items);
}

/* v is the whole IN payload being run, as it is (its CRC is the input's). */
static bool whole_input(const struct process *p, const struct px_view *v)
{
	return p->in_rec && v->p == record_cpayload(p->in_rec) && v->len == p->in_rec->len;
}

/* The copy path: v into a record of its own in m. */
static void emit_copy(struct process *p, const struct px_pipe *pipe, uint32_t ring, const struct px_view *v)
{
	struct px_mid *m = p->mid[ring];
	struct record *o;
	int rc;

	if (v->len > ring_max_payload(&m->r)) {
		chain_nothing(p, pipe, v, -ENOSPC);
		return;
	}
	if ((rc = ring_try_reserve(&m->r, (uint32_t)v->len, &o)) < 0) {
		block(p, m, ring, v->len, rc);
		return;
	}
	fill_header(p, pipe, o, v->len, v->items);
	if (v->crc_known) {
		copy_to_ring(record_payload(o), v->p, v->len);
		record_seal_payload(o, v->crc);
	} else {
		uint32_t crc = copy_to_ring_crc(record_payload(o), v->p, v->len, 0);
		record_seal_payload(o, crc);
		if (whole_input(p, v)) {
			p->in_crc = crc;
			p->in_crc_have = true;
		}
	}
	note_out(m, v->len, v->items);
}

/* The direct path: the chain writes into m's reserved record. 1: *out is
 * the output; 0: nothing left; -EAGAIN: m is full (now BLOCKED). */
static int emit_direct(struct process *p, struct px_pipe *pipe, uint32_t ring, const struct px_view *in,
		       struct px_view *out)
{
	struct px_mid *m = p->mid[ring];
	uint32_t max = ring_max_payload(&m->r);
	uint64_t want = in->len + in->len / 2 + 4096;
	struct sigchain_result res = { 0, 0, false };
	struct record *o;
	int64_t n;
	int rc;

	if (want > max)
		want = max;
	if ((rc = ring_try_reserve(&m->r, (uint32_t)want, &o)) < 0) {
		block(p, m, ring, want, rc);
		return -EAGAIN;
	}
	n = sigchain_run(pipe->chain, in->p, in->len, (uint32_t)in->items, in->heads_first, record_payload(o),
			 want, &res);
	if (n == -ENOSPC && want < max) {
		ring_cancel(&m->r); /* nothing else of this input is in m yet */
		if ((rc = ring_try_reserve(&m->r, max, &o)) < 0) {
			sigchain_flush_stats(pipe->chain);
			block(p, m, ring, max, rc);
			return -EAGAIN;
		}
		n = sigchain_run(pipe->chain, in->p, in->len, (uint32_t)in->items, in->heads_first,
				 record_payload(o), max, &res);
	}
	sigchain_flush_stats(pipe->chain);
	if (n <= 0) {
		ring_cancel(&m->r);
		chain_nothing(p, pipe, in, n);
		return 0;
	}
	fill_header(p, pipe, o, (size_t)n, res.items_kept);
	if (res.verbatim && whole_input(p, in))
		m->verbatim = o; /* sealed with the input's CRC once it is checked */
	note_out(m, (size_t)n, res.items_kept);
	p->dropped += res.items_in - res.items_kept;
	*out = (struct px_view){ record_payload(o), (size_t)n, res.items_kept, 0, false, false };
	return 1;
}

/* The chain into the scratch buffer of this depth. 1 or 0 as above. */
static int run_scratch(struct process *p, struct px_pipe *pipe, const struct px_view *in, int depth,
		       struct px_view *out)
{
	struct px_buf *b = &p->out[depth];
	size_t limit = p->max_payload > 2 * in->len + 4096 ? p->max_payload : 2 * in->len + 4096;
	struct sigchain_result res = { 0, 0, false };
	int64_t n;

	if (grow(p, b, in->len + in->len / 2 + 4096) < 0)
		return 0;
	while ((n = sigchain_run(pipe->chain, in->p, in->len, (uint32_t)in->items, in->heads_first, b->p,
				 b->cap, &res)) == -ENOSPC &&
	       b->cap < limit)
		if (grow(p, b, b->cap * 2 < limit ? b->cap * 2 : limit) < 0)
			return 0;
	sigchain_flush_stats(pipe->chain);
	if (n <= 0) {
		chain_nothing(p, pipe, in, n);
		return 0;
	}
	p->dropped += res.items_in - res.items_kept;
	*out = (struct px_view){ b->p, (size_t)n, res.items_kept, 0, false, false };
	return 1;
}

static void run_pipe(struct process *p, uint32_t q, const struct px_view *in, int depth);

static void stat_add(struct seg_component *c, unsigned k, uint64_t n)
{
	if (c && n)
		seg_component_add(c, k, n);
}

static void to_pipelines(struct process *p, const struct px_edge *e, uint64_t targets,
			 const struct px_view *v, int depth)
{
	stat_add(e->stat, SEG_C_IN, v->items);
	if (!targets) {
		stat_add(e->stat, SEG_C_DROPPED, v->items);
		p->dropped += v->items;
		return;
	}
	for (; targets; targets &= targets - 1) {
		stat_add(e->stat, SEG_C_OUT, v->items);
		run_pipe(p, (uint32_t)__builtin_ctzll(targets), v, depth + 1);
	}
}

/* Routing by item: each route's share, in turn, to its pipelines. */
static void route_items(struct process *p, const struct px_edge *e, struct route_conn *r,
			const struct px_view *v, int depth)
{
	struct px_buf *db = &p->dec[depth], *sb = &p->split[depth];
	struct otlp_bytes rec = { v->p, v->len };
	uint64_t present[4] = { 0, 0, 0, 0 };
	int64_t n;

	if (grow(p, db, 1024) < 0)
		return;
	while ((n = route_decide_items(r, rec, db->p, db->cap)) == -ENOSPC)
		if (grow(p, db, db->cap * 2) < 0)
			return;
	if (n < 0) {
		if (px_log_ok(p))
			log_msg(LOG_WARN,
				"connector %s: input seq %llu: malformed (%s); its %llu items are dropped",
				r->cfg->id, (unsigned long long)p->cur.seq, strerror((int)-n),
				(unsigned long long)v->items);
		p->refused += v->items;
		stat_add(e->stat, SEG_C_IN, v->items);
		stat_add(e->stat, SEG_C_DROPPED, v->items);
		return;
	}
	for (int64_t i = 0; i < n; i++)
		present[db->p[i] >> 6] |= 1ull << (db->p[i] & 63);
	if (n > 0 && __builtin_popcountll(present[0]) + __builtin_popcountll(present[1]) +
				     __builtin_popcountll(present[2]) + __builtin_popcountll(present[3]) ==
			     1) {
		to_pipelines(p, e, route_targets(r, db->p[0]), v, depth); /* one route: no split */
		return;
	}
	/* a share is never longer than the record: its length prefixes are not */
	if (grow(p, sb, v->len) < 0)
		return;
	for (unsigned d = 0; d < 256 && !p->fatal; d++) {
		struct px_view share = { sb->p, 0, 0, 0, false, false };
		int64_t len;

		if (!(present[d >> 6] >> (d & 63) & 1))
			continue;
		len = route_split(rec, r->signal, db->p, d, sb->p, sb->cap, &share.items);
		if (len <= 0)
			continue;
		share.len = (size_t)len;
		to_pipelines(p, e, route_targets(r, d), &share, depth);
	}
}

/* Whether pipe's chain collected the facts of exactly the spans of v, its
 * output in this item. */
static bool facts_fit(const struct process *p, const struct px_pipe *pipe, const struct px_view *v)
{
	return pipe->facts_on && pipe->facts_gen == p->gen && pipe->facts_out == v->p &&
	       pipe->facts_len == v->len && !pipe->facts.lost && pipe->facts.n == v->items;
}

static void feed_sm(struct process *p, const struct px_pipe *pipe, const struct px_edge *e,
		    const struct px_view *v)
{
	uint32_t k = e->connector;
	struct smconn *s = p->sm[k];
	int64_t n;

	if (!(p->todo_sm >> k & 1) || p->cur.in < 0)
		return;
	/* An aggregation cannot be taken back: the IN payload is checked
	 * before the first span of it is counted. The chain has just read it,
	 * so the check sums bytes in cache. */
	if (p->in_rec && !p->in_checked) {
		if (!px_in_payload_ok(p, p->in_rec)) {
			p->in_corrupt = true;
			p->fatal = -EBADMSG; /* stops the run; run_record clears it */
			return;
		}
		p->in_checked = true;
	}
	if (!(p->fed_sm >> k & 1)) {
		int rc = smconn_begin(s, (uint32_t)p->cur.in, p->cur.seq);
		if (rc < 0) {
			if (rc != -EALREADY)
				p->fatal = rc;
			p->todo_sm &= ~(1ull << k);
			return;
		}
		p->fed_sm |= 1ull << k;
	}
	if (facts_fit(p, pipe, v) && (!smconn_dims(s) || pipe->facts.attrs_exact))
		n = smconn_feed_facts(s, v->p, v->len, pipe->facts.f, pipe->facts.n);
	else
		n = smconn_feed(s, v->p, v->len);
	stat_add(e->stat, SEG_C_IN, v->items);
	if (n < 0) {
		if (px_log_ok(p))
			log_msg(LOG_WARN, "connector %s: input seq %llu: %s; its spans are not counted",
				s->cfg->id, (unsigned long long)p->cur.seq, strerror((int)-n));
		n = 0;
	}
	stat_add(e->stat, SEG_C_OUT, (uint64_t)n);
	stat_add(e->stat, SEG_C_DROPPED, v->items > (uint64_t)n ? v->items - (uint64_t)n : 0);
}

static void run_edges(struct process *p, struct px_pipe *pipe, const struct px_view *out, int depth)
{
	for (uint32_t i = 0; i < pipe->n_edges && !p->fatal; i++) {
		const struct px_edge *e = &pipe->edges[i];

		switch (e->type) {
		case SLUICE_CONN_FORWARD:
			if (wanted(p, pipe->down_mid, pipe->down_sm))
				to_pipelines(p, e, e->targets, out, depth);
			break;
		case SLUICE_CONN_ROUTING: {
			struct route_conn *r = p->route[e->connector];
			if (!wanted(p, pipe->down_mid, pipe->down_sm))
				break;
			if (!route_by_item(r))
				to_pipelines(p, e,
					     route_targets(r,
							   route_decide_record(r,
									       (struct otlp_bytes){
										       out->p, out->len })),
					     out, depth);
			else
				route_items(p, e, r, out, depth);
			break;
		}
		case SLUICE_CONN_SPANMETRICS:
			feed_sm(p, pipe, e, out);
			break;
		}
	}
}

static void run_pipe(struct process *p, uint32_t q, const struct px_view *in, int depth)
{
	struct px_pipe *pipe = &p->pipes[q];
	struct px_view out;
	int mid = pipe->mid >= 0 && (p->todo_mid >> pipe->mid & 1) ? pipe->mid : -1;
	bool downstream;

	if (p->fatal || depth >= PX_DEPTH || !wanted(p, pipe->reach_mid, pipe->reach_sm))
		return;
	downstream = wanted(p, pipe->down_mid, pipe->down_sm);
	if (pipe->pass) {
		out = *in;
		if (mid >= 0)
			emit_copy(p, pipe, (uint32_t)mid, &out);
	} else {
		int rc = -EAGAIN;
		if (mid >= 0 && p->mid[mid]->state == PX_TODO) {
			rc = emit_direct(p, pipe, (uint32_t)mid, in, &out);
			if (rc == 0)
				return;
		}
		if (rc == -EAGAIN) {
			if (!downstream && (mid < 0 || p->mid[mid]->state == PX_BLOCKED))
				return;
			if (!run_scratch(p, pipe, in, depth, &out))
				return;
			if (mid >= 0 && p->mid[mid]->state != PX_BLOCKED)
				emit_copy(p, pipe, (uint32_t)mid, &out);
		}
	}
	if (pipe->facts_on) { /* the facts are this output's */
		pipe->facts_out = out.p;
		pipe->facts_len = out.len;
		pipe->facts_gen = p->gen;
	}
	if (downstream && out.items)
		run_edges(p, pipe, &out, depth);
}

int px_run_part(struct process *p, uint64_t entry, const struct px_view *v)
{
	for (uint64_t e = entry; e && !p->fatal; e &= e - 1)
		run_pipe(p, (uint32_t)__builtin_ctzll(e), v, 0);
	return p->fatal;
}
