/* debug and file exporters: plain write(2) on the loop thread. */
#include "exporter/localx.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exporter/deadletter.h"
#include "exporter/debug_lines.h"
#include "otlp/json.h"
#include "otlp/wire.h"
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

/* ---------------- debug ---------------- */

struct debugx {
	enum debugx_verbosity v;
	int fd;
	bool own_fd;
	struct otlp_json_buf out;
};

static int debugx_send(void *tp, struct attempt *a)
{
	struct debugx *t = tp;
	char err[200] = "";
	int rc;
	if (t->v != DEBUGX_DETAILED) {
		int64_t rs = 0;
		const uint8_t *p = a->body, *end = a->body + a->len;
		while (p < end) { /* count the top-level 0x0a frames */
			uint64_t key, l;
			if (otlp_wire_varint(&p, end, &key) < 0 || (key & 7) != 2 ||
			    otlp_wire_varint(&p, end, &l) < 0 || l > (uint64_t)(end - p))
				break;
			p += l;
			rs++;
		}
		char line[200];
		int n = snprintf(line, sizeof(line), "batch seq=%llu spans=%u bytes=%u resource_spans=%lld\n",
				 (unsigned long long)a->seq, a->items, a->len, (long long)rs);
		rc = write_all(t->fd, line, (size_t)n);
		if (rc == 0 && t->v == DEBUGX_NORMAL) {
			t->out.len = 0;
			rc = debug_lines_normal(a->body, a->len, &t->out);
			if (rc == 0)
				rc = write_all(t->fd, t->out.data, t->out.len);
			else if (rc != -ENOMEM)
				rc = 0;  /* the summary line says what came; detailed would refuse it */
		}
	} else {
		t->out.len = 0;
		rc = otlp_json_from_pb(a->body, a->len, OTLP_JSON_IN_REQUEST, OTLP_JSON_SPAN_LINES,
				       &t->out, err, sizeof(err));
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
	struct outcome o = { .cls = rc < 0 ? RETRY_AGAIN : RETRY_OK, .hint_ms = -1,
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

int debugx_new(enum debugx_verbosity v, const char *output, void **tp,
	       const struct transport_ops **ops, char *err, size_t errlen)
{
	struct debugx *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->v = v;
	t->fd = 1;
	if (output && *output) {
		t->fd = open(output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (t->fd < 0) {
			int e = errno;
			snprintf(err, errlen, "debug exporter output %s: %s", output, strerror(e));
			free(t);
			return -e;
		}
		t->own_fd = true;
	}
	*tp = t;
	*ops = &debugx_ops;
	return 0;
}

/* ---------------- file ---------------- */

struct filex {
	struct filex_opts o;
	char path[4096];
	int fd;
	uint64_t size;
};

static int filex_open(struct filex *t)
{
	t->fd = open(t->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (t->fd < 0)
		return -errno;
	struct stat st;
	t->size = fstat(t->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Deletes the oldest "<path>.<stamp>" files beyond max_backups. */
static void filex_prune(struct filex *t)
{
	if (!t->o.max_backups)
		return;
	char dir[4096], base[1024];
	const char *slash = strrchr(t->path, '/');
	if (slash) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - t->path), t->path);
		snprintf(base, sizeof(base), "%.1000s.", slash + 1);
	} else {
		snprintf(dir, sizeof(dir), ".");
		snprintf(base, sizeof(base), "%.1000s.", t->path);
	}
	DIR *d = opendir(dir[0] ? dir : "/");
	if (!d)
		return;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	size_t bl = strlen(base);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, base, bl) != 0 || strlen(de->d_name) != bl + 19)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char **nn = realloc(names, nc * sizeof(*nn));
			if (!nn)
				break;
			names = nn;
			cap = nc;
		}
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (n - i > t->o.max_backups) {
			char p[8300];
			snprintf(p, sizeof(p), "%s/%s", dir[0] ? dir : "", names[i]);
			unlink(p);
		}
		free(names[i]);
	}
	free(names);
}

static int filex_rotate(struct filex *t)
{
	uint64_t now = rt_real_ns();
	time_t secs = (time_t)(now / 1000000000ull);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char stamp[40], to[4200];
	size_t l = strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	for (int k = 0; k < 1000; k++) {
		snprintf(stamp + l, sizeof(stamp) - l, ".%03ld", (long)((now % 1000000000ull) / 1000000 + k) % 1000);
		snprintf(to, sizeof(to), "%s.%s", t->path, stamp);
		if (access(to, F_OK) != 0)
			break;
	}
	close(t->fd);
	t->fd = -1;
	if (rename(t->path, to) < 0)
		return -errno;
	filex_prune(t);
	return filex_open(t);
}

static int filex_send(void *tp, struct attempt *a)
{
	struct filex *t = tp;
	int rc = 0;
	if (t->fd < 0)
		rc = filex_open(t);
	if (rc == 0 && t->o.rotation && t->size > 0 && t->size + 4 + a->len > t->o.max_bytes)
		rc = filex_rotate(t);
	if (rc == 0) {
		uint8_t hdr[4] = { (uint8_t)(a->len >> 24), (uint8_t)(a->len >> 16),
				   (uint8_t)(a->len >> 8), (uint8_t)a->len };
		/* one writev would be nicer; two appends are fine with one writer */
		rc = write_all(t->fd, hdr, 4);
		if (rc == 0)
			rc = write_all(t->fd, a->body, a->len);
		if (rc == 0)
			t->size += 4 + (uint64_t)a->len;
	}
	char why[200];
	snprintf(why, sizeof(why), "file %.120s: %s", t->path, rc < 0 ? strerror(-rc) : "ok");
	struct outcome o = { .cls = rc < 0 ? RETRY_AGAIN : RETRY_OK, .hint_ms = -1, .reason = why };
	deliver_complete(a, &o);
	return 0;
}

static void filex_free(void *tp)
{
	struct filex *t = tp;
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

static const struct transport_ops filex_ops = { .send = filex_send, .free = filex_free };

int filex_new(const struct filex_opts *o, void **tp, const struct transport_ops **ops,
	      char *err, size_t errlen)
{
	if (!o->path || !*o->path || strlen(o->path) >= 4000) {
		snprintf(err, errlen, "file exporter: path missing or too long");
		return -EINVAL;
	}
	struct filex *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->o = *o;
	snprintf(t->path, sizeof(t->path), "%s", o->path);
	t->o.path = t->path;
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", t->path);
	char *slash = strrchr(dir, '/');
	int rc = 0;
	if (slash && slash != dir) { /* create the directory, as the Collector does */
		*slash = 0;
		rc = deadletter_open_dir(dir);
	}
	if (rc == 0)
		rc = filex_open(t);
	if (rc < 0) {
		snprintf(err, errlen, "file exporter %s: %s", t->path, strerror(-rc));
		free(t);
		return rc;
	}
	*tp = t;
	*ops = &filex_ops;
	return 0;
}

int filex_next(const uint8_t *buf, size_t len, size_t *off, const uint8_t **body, uint32_t *blen)
{
	if (*off >= len)
		return -ENODATA;
	if (len - *off < 4)
		return -EBADMSG;
	const uint8_t *p = buf + *off;
	uint32_t n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	if (len - *off - 4 < n)
		return -EBADMSG;
	*body = p + 4;
	*blen = n;
	*off += 4 + (size_t)n;
	return 0;
}
