/* stages/smconn.h: a spanmetrics connector as the process stage runs it:
 * the aggregation (agg/spanmetrics.h) in the segment's region named
 * agg_config_region_name() (the supervisor sizes and creates it), fed the
 * spans a traces pipeline kept, flushed every metrics_flush_interval.
 *
 *   smconn_new(&s, cfg, k, seg, err, sizeof err)   attach (format a fresh region)
 *   per input record that reaches it, from IN ring `ring`:
 *     if (smconn_wants(s, ring, seq))               not counted before a crash
 *       smconn_begin(s, ring, seq); smconn_feed(s, resource_spans)...; smconn_commit(s)
 *   smconn_flush(s, now) -> N: the metrics in smconn_flush_bytes (an
 *     ExportMetricsServiceRequest); the caller publishes its ResourceMetrics
 *     with seq N, then smconn_flush_done(s)
 *
 * Sources: the IN rings that reach the connector (plan_connector.in_rings),
 * numbered in ring order, are the aggregation's sources; a record is
 * counted once per source seq, whatever happens to the process.
 * While a flush is pending (built, not confirmed) the aggregation takes no
 * record (agg_begin: -EBUSY): smconn_pending() says so, so the caller holds
 * the records back until the flush is published.
 * After a restart a flush may be pending from before the crash: the caller
 * confirms it if every ring it goes to shows it (ring_source_seq >= N),
 * else cancels it and flushes again before taking any record, which makes
 * the same flush again under the same number (rings that had it skip it).
 */
#ifndef SLUICE_STAGES_SMCONN_H
#define SLUICE_STAGES_SMCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agg/agg_config.h"
#include "agg/spanmetrics.h"
#include "config/config.h"
#include "shm/segment.h"

#define SMCONN_FLUSH_BUF (1u << 20) /* first flush buffer; grown to what a flush needs */

struct smconn {
	const struct sluice_connector *cfg;
	uint32_t index;	      /* in cfg->connectors */
	uint64_t in_rings;    /* plan_connector.in_rings */
	struct agg_config ac; /* the params point into it */
	struct agg *agg;
	uint64_t interval_ns;
	uint64_t next_flush_ns; /* CLOCK_MONOTONIC */
	bool open;		/* agg_begin done, agg_commit not yet */
	uint64_t pending;	/* flush number built and not confirmed, 0: none */
	uint8_t *buf;		/* the flush (grown, never per record) */
	size_t cap, len;
	uint64_t flush_ns; /* CLOCK_REALTIME of the pending flush */
	uint64_t spans_in, spans_counted;
};

int smconn_new(struct smconn **out, const struct sluice_config *cfg, size_t k, struct segment *seg, char *err,
	       size_t errlen);
void smconn_free(struct smconn *s);

/* The aggregation source of IN ring `ring` (plan index). */
static inline uint32_t smconn_source(const struct smconn *s, uint32_t ring)
{
	return (uint32_t)__builtin_popcountll(s->in_rings & ((1ull << ring) - 1));
}

/* True if record seq of IN ring `ring` is not counted yet. */
bool smconn_wants(const struct smconn *s, uint32_t ring, uint64_t seq);

int smconn_begin(struct smconn *s, uint32_t ring, uint64_t seq);
/* Counts the spans of one ResourceSpans (a chain's output); returns the
 * spans counted (a resource without service.name counts none), or -errno. */
int64_t smconn_feed(struct smconn *s, const uint8_t *rs, size_t len);
/* The same from the spans' facts (the chain read them, stages/chain.h),
 * which must describe the spans as they leave the chain, attributes too
 * when smconn_dims. */
int64_t smconn_feed_facts(struct smconn *s, const uint8_t *rs, size_t len, const struct agg_span_fact *f,
			  uint32_t n);
static inline uint32_t smconn_dims(const struct smconn *s)
{
	return s->ac.params.n_dims;
}
int smconn_commit(struct smconn *s);

static inline uint64_t smconn_pending(const struct smconn *s)
{
	return s->pending;
}

/* Builds the flush (numbered N, returned) into the connector's buffer, at
 * CLOCK_REALTIME now. -EBUSY when one is pending, -ENOMEM. */
int64_t smconn_flush(struct smconn *s, uint64_t now_real_ns);
static inline const uint8_t *smconn_flush_bytes(const struct smconn *s, size_t *len)
{
	*len = s->len;
	return s->buf;
}
/* The pending flush is published everywhere: confirm it (delta restarts). */
int smconn_flush_done(struct smconn *s);

/* After a restart: the flush pending in the region (0: none); confirm or
 * cancel it (see the top of this file). */
uint64_t smconn_restart_pending(const struct smconn *s);
int smconn_restart_confirm(struct smconn *s, uint64_t n);
int smconn_restart_cancel(struct smconn *s, uint64_t n);

#endif
