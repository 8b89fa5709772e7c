/* exporter/xcompress.h: a compression thread for a transport's request
 * bodies, so that the export stage's loop goes on sending, reading answers
 * and reading its ring while a body is compressed, and the compression
 * runs on another core.
 *
 *   xcomp_new()      the thread, and an eventfd the loop watches
 *   xcomp_submit()   hand it a job (the caller's memory: no allocation)
 *   done(job)        runs on the loop's thread, once a job, in the order
 *                    the jobs finish; job->result is the compressed length
 *                    or a negative errno
 *   xcomp_free()     stops and joins the thread; jobs not yet done are
 *                    dropped without a callback
 *   xcomp_start()    the transports' one entry: a body of XC_MIN bytes
 *                    and more goes to the thread, a smaller one (or any,
 *                    with no thread) is compressed at once
 *
 * While a job is queued or running, the thread owns job->out / job->cap
 * (it grows the buffer with realloc when the bound needs more) and reads
 * job->in: the caller touches neither until done runs. The queue is as
 * long as the jobs the caller has (one per connection in otlphttp, one per
 * attempt in the otlp gRPC exporter), so it is bounded by construction.
 * The thread is named "sluice-xcomp" (top -H, perf, /proc/<pid>/task).
 */
#ifndef SLUICE_EXPORTER_XCOMPRESS_H
#define SLUICE_EXPORTER_XCOMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "net/codec.h"
#include "net/loop.h"

struct xcomp_job {
	const void *in; /* the body; valid until done runs */
	size_t len;
	uint8_t **out; /* the caller's buffer and its size, grown as needed */
	size_t *cap;
	enum codec codec;
	int level;
	ssize_t result; /* set by the thread: length or -errno */
	void *arg;	/* the caller's */
	struct xcomp_job *next;
};

struct xcomp;
typedef void (*xcomp_done_fn)(struct xcomp_job *job);

int xcomp_new(struct net_loop *loop, xcomp_done_fn done, struct xcomp **out);
void xcomp_submit(struct xcomp *xc, struct xcomp_job *job);
void xcomp_free(struct xcomp *xc);

/* Compress job->in into *job->out (growing it) on the calling thread:
 * what the worker does with a job, also for callers without one. */
ssize_t xcomp_run(struct codec_ctx *cx, struct xcomp_job *job);

/* Bodies smaller than this compress inline: the hop to the thread and
 * back cost more than it saved on 512-span bodies (docs/bench/wire.md). */
#define XC_MIN (256u << 10)

/* Compresses job on xc's thread when there is one (xc != NULL) and the
 * body is XC_MIN bytes or more: returns true, and the done callback runs
 * later on the loop's thread (never from inside this call), so the caller
 * may note "in flight" after it returns. Otherwise compresses it here with
 * cx, sets job->result and returns false: done is not called, the caller
 * goes on with the result. */
bool xcomp_start(struct xcomp *xc, struct codec_ctx *cx, struct xcomp_job *job);

#endif
