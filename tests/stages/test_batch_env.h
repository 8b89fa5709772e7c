/* test_batch_env.h: a real segment for the batch stage's tests: two
 * pipelines' rings (MID 0, MID 1, OUT 0, OUT 1: rings 0..3) with eventfds
 * as the supervisor makes them, and a component-stats slot per pipeline
 * (its batch processor). The test feeds MID rings as the process stage
 * would and drains OUT rings as the export stage would.
 */
#ifndef SLUICE_TESTS_STAGES_TEST_BATCH_ENV_H
#define SLUICE_TESTS_STAGES_TEST_BATCH_ENV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "otlp/signal.h"
#include "shm/segment.h"
#include "stages/batch.h"
#include "tests/stages/test_batch_tb.h"

#define BENV_NAMES 65536

struct benv {
	struct segment seg;
	char inst[64];
	struct ring midp[2], midc[2], outp[2], outc[2]; /* test's ends, stage's ends */
	struct batch_pipe pipes[2];
	struct sluice_batch cfg[2];
	char qdir[128]; /* a fresh quarantine directory */
};

/* A segment with MID rings of mid_cap and OUT rings of out_cap[lane]
 * bytes; pipeline `lane` carries signal sig[lane]. */
void benv_up(struct benv *e, uint64_t mid_cap, const uint64_t out_cap[2], const enum otlp_signal sig[2]);
void benv_down(struct benv *e);

/* Publishes record S into MID ring `lane` (seq S; ingest_ns 1000 + S):
 * btb_pack(sig of the lane, S, items, scopes, per_metric). Returns the
 * record (in the ring) so a test can damage it. */
struct record *benv_feed(struct benv *e, int lane, uint64_t s, int items, int scopes, int per);

struct benv_took {
	uint64_t seq;
	uint32_t items, len;
	struct btb_out o;
	char names[BENV_NAMES];
};

/* Takes one OUT record of `lane` (waiting up to wait_ns): checks the
 * header (RECORD_F_REQUEST, the lane's signal, items = what decodes) and
 * decodes it (btb_unpack; aborts the test on a failure). 1 got, 0 none. */
int benv_take(struct benv *e, int lane, int per, struct benv_took *t, int64_t wait_ns);

/* batch_run over the first n pipes, stop = drain-and-return when
 * `drain`. With quarantine into e->qdir. */
int benv_run(struct benv *e, int n, bool drain);

/* The same in a thread, until benv_stop. */
struct benv_runner {
	struct benv *e;
	int n;
	struct rt_stop stop;
	struct batch_ctx ctx;
	pthread_t th;
	int rc;
};
void benv_start(struct benv_runner *r, struct benv *e, int n);
int benv_stop(struct benv_runner *r);

#endif
