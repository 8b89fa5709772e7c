/* xcompress.c: one worker thread, a FIFO of jobs in, a FIFO of jobs out.
 *
 * Jobs are linked through job->next (the caller's memory), so neither side
 * allocates per body. The worker posts finished jobs on the done list and
 * bumps an eventfd; the loop's watch drains the eventfd, takes the whole
 * list under the lock and runs the callbacks without it (a callback may
 * submit the next job at once).
 */
#include "exporter/xcompress.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct xcomp {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct xcomp_job *todo, *todo_tail; /* FIFO */
	struct xcomp_job *done, *done_tail; /* FIFO */
	bool stop;
	int efd;
	struct net_watch *watch;
	xcomp_done_fn fn;
	struct codec_ctx cx; /* the worker's */
};

ssize_t xcomp_run(struct codec_ctx *cx, struct xcomp_job *job)
{
	size_t need = codec_encode_bound(job->codec, job->len);
	if (need > *job->cap) {
		uint8_t *nb = realloc(*job->out, need);
		if (!nb)
			return -ENOMEM;
		*job->out = nb;
		*job->cap = need;
	}
	return codec_encode(cx, job->codec, job->level, job->in, job->len, *job->out, *job->cap);
}

static void *xcomp_main(void *arg)
{
	struct xcomp *xc = arg;
	pthread_mutex_lock(&xc->mu);
	for (;;) {
		while (!xc->todo && !xc->stop)
			pthread_cond_wait(&xc->cv, &xc->mu);
		if (xc->stop)
			break;
		struct xcomp_job *j = xc->todo;
		xc->todo = j->next;
		if (!xc->todo)
			xc->todo_tail = NULL;
		pthread_mutex_unlock(&xc->mu);
		j->result = xcomp_run(&xc->cx, j);
		j->next = NULL;
		pthread_mutex_lock(&xc->mu);
		if (xc->done_tail)
			xc->done_tail->next = j;
		else
			xc->done = j;
		xc->done_tail = j;
		uint64_t one = 1;
		if (write(xc->efd, &one, sizeof(one)) < 0) {
			/* only EAGAIN at a counter near 2^64: the loop wakes anyway */
		}
	}
	pthread_mutex_unlock(&xc->mu);
	return NULL;
}

static void xcomp_on_done(struct net_watch *w, int fd, void *arg)
{
	(void)w;
	struct xcomp *xc = arg;
	uint64_t n;
	if (read(fd, &n, sizeof(n)) < 0) {
		/* EAGAIN: another wake-up took it; the list below is what counts */
	}
	pthread_mutex_lock(&xc->mu);
	struct xcomp_job *j = xc->done;
	xc->done = xc->done_tail = NULL;
	pthread_mutex_unlock(&xc->mu);
	while (j) {
		struct xcomp_job *next = j->next;
		j->next = NULL;
		xc->fn(j);
		j = next;
	}
}

int xcomp_new(struct net_loop *loop, xcomp_done_fn done, struct xcomp **out)
{
	struct xcomp *xc = calloc(1, sizeof(*xc));
	if (!xc)
		return -ENOMEM;
	xc->fn = done;
	codec_ctx_init(&xc->cx);
	xc->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (xc->efd < 0) {
		int e = -errno;
		free(xc);
		return e;
	}
	int rc = net_watch_add(loop, xc->efd, xcomp_on_done, xc, &xc->watch);
	if (rc < 0) {
		close(xc->efd);
		free(xc);
		return rc;
	}
	pthread_mutex_init(&xc->mu, NULL);
	pthread_cond_init(&xc->cv, NULL);
	rc = -pthread_create(&xc->th, NULL, xcomp_main, xc);
	if (rc < 0) {
		net_watch_remove(xc->watch);
		close(xc->efd);
		pthread_mutex_destroy(&xc->mu);
		pthread_cond_destroy(&xc->cv);
		free(xc);
		return rc;
	}
	/* A name for top -H and perf, and for the tests that check the work
	 * ran here (its CPU time in /proc/<pid>/task); failing is harmless. */
	(void)pthread_setname_np(xc->th, "sluice-xcomp");
	*out = xc;
	return 0;
}

void xcomp_submit(struct xcomp *xc, struct xcomp_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&xc->mu);
	if (xc->todo_tail)
		xc->todo_tail->next = job;
	else
		xc->todo = job;
	xc->todo_tail = job;
	pthread_cond_signal(&xc->cv);
	pthread_mutex_unlock(&xc->mu);
}

bool xcomp_start(struct xcomp *xc, struct codec_ctx *cx, struct xcomp_job *job)
{
	if (xc && job->len >= XC_MIN) {
		xcomp_submit(xc, job);
		return true;
	}
	job->result = xcomp_run(cx, job);
	return false;
}

void xcomp_free(struct xcomp *xc)
{
	if (!xc)
		return;
	pthread_mutex_lock(&xc->mu);
	xc->stop = true;
	pthread_cond_signal(&xc->cv);
	pthread_mutex_unlock(&xc->mu);
	pthread_join(xc->th, NULL);
	net_watch_remove(xc->watch);
	close(xc->efd);
	pthread_mutex_destroy(&xc->mu);
	pthread_cond_destroy(&xc->cv);
	codec_ctx_free(&xc->cx);
	free(xc);
}
