/* debug exporter: plain write(2) on the loop thread. */
#include "exporter/localx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exporter/debug_lines.h"
#include "otlp/json.h"
#include "otlp/wire.h"
#include "otlp/wire_metrics.h"
#include "rt/clock.h"

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

struct debugx {
	enum debugx_verbosity v;
	enum otlp_signal sig;
	char name[64];
	int fd;
	bool own_fd;
	struct otlp_json_buf out;
};

static int count_metric(void *arg, const struct otlp_metric *m, int rc)
{
	(void)m;
	if (rc < 0)
		return rc;
	(*(uint64_t *)arg)++;
	return 0;
}

/* The Collector's basic line: "<time>\tinfo\tTracesExporter\t{...}". */
static int debugx_summary(struct debugx *t, const struct attempt *a)
{
	static const char *const kind[] = { "TracesExporter", "LogsExporter", "MetricsExporter" };
	static const char *const res[] = { "resource spans", "resource logs", "resource metrics" };
	static const char *const items[] = { "spans", "log records", "data points" };
	uint64_t rs = 0, metrics = 0;
	const uint8_t *p = a->body, *end = a->body + a->len;
	while (p < end) { /* count the top-level 0x0a frames */
		uint64_t key, l;
		if (otlp_wire_varint(&p, end, &key) < 0 || (key & 7) != 2 ||
		    otlp_wire_varint(&p, end, &l) < 0 || l > (uint64_t)(end - p))
			break;
		p += l;
		rs++;
	}
	if (t->sig == OTLP_SIGNAL_METRICS)
		otlp_wire_each_metric((struct otlp_bytes){ a->body, a->len }, count_metric, &metrics);
	uint64_t now = rt_real_ns();
	time_t secs = (time_t)(now / 1000000000ull);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char ts[40], mid[48] = "", line[400];
	size_t tl = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + tl, sizeof(ts) - tl, ".%03uZ", (unsigned)(now / 1000000ull % 1000));
	if (t->sig == OTLP_SIGNAL_METRICS)
		snprintf(mid, sizeof(mid), ", \"metrics\": %llu", (unsigned long long)metrics);
	int n = snprintf(line, sizeof(line),
			 "%s\tinfo\t%s\t{\"kind\": \"exporter\", \"data_type\": \"%s\", \"name\": \"%s\", "
			 "\"%s\": %llu%s, \"%s\": %u}\n",
			 ts, kind[t->sig], otlp_signal_get(t->sig)->name, t->name, res[t->sig],
			 (unsigned long long)rs, mid, items[t->sig], a->items);
	return write_all(t->fd, line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static int debugx_send(void *tp, struct attempt *a)
{
	struct debugx *t = tp;
	char err[200] = "";
	int rc;
	if (t->v != DEBUGX_DETAILED) {
		rc = debugx_summary(t, a);
		if (rc == 0 && t->v == DEBUGX_NORMAL) {
			t->out.len = 0;
			rc = debug_lines_normal_signal(t->sig, a->body, a->len, &t->out);
			if (rc == 0)
				rc = write_all(t->fd, t->out.data, t->out.len);
			else if (rc != -ENOMEM)
				rc = 0; /* the summary line says what came; detailed would refuse it */
		}
	} else {
		t->out.len = 0;
		rc = otlp_json_from_pb_signal(t->sig, a->body, a->len, OTLP_JSON_IN_REQUEST,
					      OTLP_JSON_ITEM_LINES, &t->out, err, sizeof(err));
		if (rc >= 0)
			rc = write_all(t->fd, t->out.data, t->out.len);
		else {
			/* the backend here is a text dump: a body it cannot render
			 * will never render; keep it for inspection instead */
			char why[260];
			snprintf(why, sizeof(why), "debug: cannot render as OTLP/JSON: %s", err);
			struct outcome o = { .cls = RETRY_PERMANENT, .hint_ms = -1, .reason = why };
			deliver_complete(a, &o);
			return 0;
		}
	}
	struct outcome o = { .cls = rc < 0 ? RETRY_AGAIN : RETRY_OK,
			     .hint_ms = -1,
			     .reason = rc < 0 ? strerror(-rc) : "written" };
	deliver_complete(a, &o);
	return 0;
}

static void debugx_free(void *tp)
{
	struct debugx *t = tp;
	if (!t)
		return;
	if (t->own_fd)
		close(t->fd);
	otlp_json_buf_free(&t->out);
	free(t);
}

static const struct transport_ops debugx_ops = { .send = debugx_send, .free = debugx_free };

int debugx_new(const struct debugx_opts *o, void **tp, const struct transport_ops **ops, char *err,
	       size_t errlen)
{
	if (!otlp_signal_get(o->signal))
		return -EINVAL;
	struct debugx *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->v = o->verbosity;
	t->sig = o->signal;
	snprintf(t->name, sizeof(t->name), "%s", o->name ? o->name : "debug");
	t->fd = 1;
	if (o->output && *o->output) {
		t->fd = open(o->output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (t->fd < 0) {
			int e = errno;
			snprintf(err, errlen, "debug exporter output %s: %s", o->output, strerror(e));
			free(t);
			return -e;
		}
		t->own_fd = true;
	}
	*tp = t;
	*ops = &debugx_ops;
	return 0;
}
