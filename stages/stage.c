/* stage.c: argument parsing, config, segment attach for the two stages. */
#include "stages/stage.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/log.h"

uint64_t stage_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t stage_real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int stage_open(struct stage *s, int argc, char **argv, enum stage_index idx)
{
	memset(s, 0, sizeof *s);
	const char *path = NULL;
	int opt;
	while ((opt = getopt(argc, argv, "c:h")) != -1) {
		if (opt == 'c') {
			path = optarg;
		} else {
			fprintf(stderr, "usage: %s [-c FILE]\n", argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "usage: %s [-c FILE]\n", argv[0]);
		return 2;
	}
	struct config_error err;
	int rc = config_load(path, &s->cfg, &err);
	if (rc < 0) {
		log_msg(LOG_ERROR, "%s", err.msg);
		return 2;
	}
	/* the supervisor formats the segment before starting us; a test may
	 * race us by a little: retry -EAGAIN/-ENOENT for a bounded time */
	for (int i = 0; i < 500; i++) {
		rc = segment_attach(&s->seg, s->cfg->instance);
		if (rc != -EAGAIN && rc != -ENOENT)
			break;
		usleep(10000);
	}
	if (rc < 0) {
		log_msg(LOG_ERROR, "attach segment /sluice.%s: %s (%s)", s->cfg->instance,
			strerror(-rc), segment_errmsg(&s->seg));
		config_free(s->cfg);
		return 1;
	}
	s->attached = 1;
	rc = segment_wake_import(&s->seg, NULL);
	if (rc < 0) {
		log_msg(LOG_ERROR, "%s: %s", SEG_WAKE_ENV, segment_errmsg(&s->seg));
		return stage_close(s, 2);
	}
	s->st = segment_stats(&s->seg, idx);
	if (!s->st) {
		log_msg(LOG_ERROR, "segment has no stats block for stage %d", (int)idx);
		return stage_close(s, 1);
	}
	stats_stage_start(s->st);
	return 0;
}

void stage_catch_stop(void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

int stage_close(struct stage *s, int code)
{
	if (s->st)
		atomic_store_explicit(&s->st->state,
				      code ? STAGE_STATE_FAILED : STAGE_STATE_STOPPED,
				      memory_order_release);
	if (s->attached)
		segment_detach(&s->seg);
	config_free(s->cfg);
	memset(s, 0, sizeof *s);
	return code;
}
