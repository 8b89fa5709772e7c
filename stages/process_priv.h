/* stages/process_priv.h: private to the process stage's executor
 * (process.c: the loop; pgraph.c: building it from the plan; pexec.c: one
 * input through the graph). Not an API.
 *
 * Rings are named by their plan index everywhere (bit i of a mask = ring
 * i); pipelines and connectors by their cfg index.
 */
#ifndef SLUICE_STAGES_PROCESS_PRIV_H
#define SLUICE_STAGES_PROCESS_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "config/plan.h"
#include "shm/hist.h"
#include "shm/ring.h"
#include "stages/chain.h"
#include "stages/process.h"
#include "stages/route.h"
#include "stages/sigchain.h"
#include "stages/smconn.h"

#define PX_DEPTH (CONFIG_MAX_PIPELINES + 1) /* pipelines one input can pass through in a row */

/* A grown buffer (never per record once big enough). */
struct px_buf {
	uint8_t *p;
	size_t cap;
};

/* Bytes moving through the graph: a record's payload, a chain's output,
 * one route's share. crc_known: crc is the CRC-32C of exactly these bytes
 * (the input payload passed on unchanged), so a copy into a ring seals
 * without a second pass. */
struct px_view {
	const uint8_t *p;
	size_t len;
	uint64_t items;
	uint32_t crc;
	bool crc_known;
	bool heads_first; /* an IN record's RECORD_F_HEADS_FIRST (chain_run) */
};

struct px_edge {
	enum sluice_connector_type type;
	uint32_t connector;
	uint64_t targets;	    /* forward: the pipelines it feeds */
	struct seg_component *stat; /* (connector, this pipeline): IN, OUT, DROPPED items */
};

/* Kept spans whose facts a chain collects for its connectors (96 bytes
 * each); a record with more is counted from its bytes instead. */
#define PX_FACTS_MAX 8192

struct px_pipe {
	const struct sluice_pipeline *cfg;
	struct sigchain *chain;
	bool pass; /* no processor: the output is the input */
	int mid;   /* its MID ring, -1 */
	struct px_edge edges[PLAN_MAX_EDGES];
	uint32_t n_edges;
	uint64_t reach_mid;	    /* MID rings its output can reach, its own included */
	uint64_t reach_sm;	    /* span-metrics connectors it can reach (cfg index bits) */
	uint64_t down_mid, down_sm; /* the same through its connectors only */
	/* a spanmetrics connector among its edges and a chain that keeps the
	 * span fields: the chain collects the kept spans' facts (the connector
	 * needs no second scan of each span), valid for the output view
	 * stamped here in this item (gen) */
	bool facts_on;
	struct chain_facts facts;
	const uint8_t *facts_out;
	size_t facts_len;
	uint64_t facts_gen;
};

enum px_state {
	PX_IDLE = 0, /* not reached by this input */
	PX_TODO,     /* reached, nothing reserved yet */
	PX_OPEN,     /* records reserved for this input */
	PX_SKIP,     /* published before (source seq): nothing to do */
	PX_BLOCKED,  /* a reserve found no room: cancelled at the end */
};

struct px_mid {
	struct ring r;			 /* producer */
	int8_t slot_in[PLAN_MAX_RINGS];	 /* source slot of IN ring i, -1 */
	int8_t *slot_conn;		 /* [n_connectors] source slot of a connector, -1 */
	uint64_t done[PLAN_MAX_SOURCES]; /* ring_source_seq per slot as we published it */
	/* this input */
	enum px_state state;
	uint32_t n_out;		 /* records reserved */
	uint32_t want;		 /* the reserve that found no room */
	uint64_t items, bytes;	 /* reserved */
	struct record *verbatim; /* a reserved record that is a byte copy of the
				  * whole IN payload: px_item_end seals it with
				  * the input's CRC */
};

/* What a held-back input waits for: room in any of these MID rings. */
struct px_wait {
	uint64_t rings;		      /* 0: nothing */
	uint32_t len[PLAN_MAX_RINGS]; /* the reserve that found no room, by ring */
};

struct px_in {
	struct ring r;	/* consumer */
	uint32_t ring;	/* plan index */
	uint64_t entry; /* entry pipelines */
	uint64_t reach_mid, reach_sm;
	struct px_wait wait; /* the head record waits for room */
	int wait_sm;	     /* ... for this connector's pending flush, -1 */
	bool empty;	     /* the last peek found nothing */
	bool verify_next;    /* the head record failed the late check: peek it verified */
	struct hist *age;    /* HIST_RING_AGE of this ring, NULL = none */
};

/* The input being run: an IN record or a span-metrics flush. */
struct px_item {
	int in;	  /* IN ring (plan index) or -1 */
	int conn; /* flushing connector or -1 */
	uint64_t seq, ingest_ns;
};

struct process {
	const struct sluice_config *cfg;
	const struct sluice_plan *plan;
	struct segment *seg;
	struct process_opts o;
	struct px_pipe *pipes; /* [cfg->n_pipelines] */
	struct px_in in[PLAN_MAX_RINGS];
	uint32_t n_in;			    /* IN rings are plan rings 0..n_in-1 */
	struct px_mid *mid[PLAN_MAX_RINGS]; /* by plan index, NULL: not a MID ring */
	uint64_t mids;			    /* MID rings (mask) */
	struct route_conn **route;	    /* [n_connectors] routing connectors in use */
	struct smconn **sm;		    /* [n_connectors] span-metrics connectors in use */
	uint64_t sm_mask;		    /* cfg index bits of those */
	uint32_t max_payload;		    /* largest MID payload: scratch never grows past it */
	struct px_buf out[PX_DEPTH];	    /* chain outputs, one per depth */
	struct px_buf split[PX_DEPTH];	    /* route shares */
	struct px_buf dec[PX_DEPTH];	    /* route decisions */
	/* this input */
	struct px_item cur;
	uint64_t reached;	   /* MID rings it can reach (state set) */
	uint64_t todo_mid;	   /* MID rings still to serve (TODO or OPEN) */
	uint64_t gen;		   /* items begun (px_pipe.facts_gen) */
	uint64_t todo_sm;	   /* connectors still to feed */
	uint64_t fed_sm;	   /* connectors begun (commit at the end) */
	uint64_t dropped, refused; /* items */
	/* the IN record being run (NULL: a flush), and its payload's CRC once
	 * a copy of the whole of it computed one (emit_copy): the late check
	 * then needs no pass. in_checked: checked during the run (before the
	 * first aggregation fed from it); in_corrupt: that check failed, and
	 * the run stopped (fatal is -EBADMSG until run_record clears it) */
	const struct record *in_rec;
	uint32_t in_crc;
	bool in_crc_have, in_checked, in_corrupt;
	int fatal;		    /* a fatal error met inside the graph */
	int wait_sm;		    /* px_item_begin -EBUSY: this connector's flush is pending */
	struct px_wait sm_wait[64]; /* a pending flush waits for room */
	/* loop */
	uint64_t done_records, next_alive_ns, log_next_ns;
	char qdir[512];
	bool qdir_made;
};

/* pgraph.c */
int px_graph_build(struct process *p, char *err, size_t errlen);
void px_graph_free(struct process *p);
/* Confirms or redoes a span-metrics flush left pending by a crash. */
int px_sm_recover(struct process *p, char *err, size_t errlen);

/* One input through the graph. pitem.c: px_item_begin: which MID rings
 * and aggregations still need it (0: none, skip it); px_item_end: feed
 * commit, publish or cancel each MID ring; 1 when done, 0 when a MID ring
 * was full (retry later), -errno fatal. pexec.c: px_run_part: one bare
 * resource message through the entry pipelines. */
int px_item_begin(struct process *p, const struct px_item *it, uint64_t entry); /* -EBUSY: wait_sm */
int px_run_part(struct process *p, uint64_t entry, const struct px_view *v);
int px_item_end(struct process *p, struct px_wait *w);
/* Cancel every MID output of this input (its payload failed the check
 * made after the run): nothing of it is published. */
void px_item_abort(struct process *p);
/* Does the IN record's payload match its checksum? (crc32c unless a copy
 * already computed it) Run it before px_item_end: outputs that are byte
 * copies of the payload are sealed there with the CRC it leaves. */
bool px_in_payload_ok(struct process *p, const struct record *rec);

/* process.c helpers for pexec.c and pitem.c */
void px_count(struct process *p, enum stat_counter c, uint64_t n);
bool px_log_ok(struct process *p);

#endif
