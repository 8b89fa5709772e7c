/* file exporter: whole batches appended on the loop thread; the pipelines
 * an exporter serves share its file (one fd, one size, one rotation). */
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
#include "otlp/json.h"
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

/* The file itself, shared by the exporter's transports (one a pipeline). */
struct filex_file {
	char path[4096];
	int fd;
	uint64_t size;
	bool rotation;
	uint64_t max_bytes;
	uint32_t max_backups;
	unsigned refs;
};

struct filex {
	struct filex_file *f;
	enum filex_format format;
	enum otlp_signal signal;
	struct otlp_json_buf out; /* json: the line being written */
};

static int filex_open(struct filex_file *t)
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
static void filex_prune(struct filex_file *t)
{
	if (!t->max_backups)
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
		if (n - i > t->max_backups) {
			char p[8300];
			snprintf(p, sizeof(p), "%s/%s", dir[0] ? dir : "", names[i]);
			unlink(p);
		}
		free(names[i]);
	}
	free(names);
}

static int filex_rotate(struct filex_file *t)
{
	uint64_t now = rt_real_ns();
	time_t secs = (time_t)(now / 1000000000ull);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char stamp[40], to[4200];
	size_t l = strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	for (int k = 0; k < 1000; k++) {
		snprintf(stamp + l, sizeof(stamp) - l, ".%03ld",
			 (long)((now % 1000000000ull) / 1000000 + k) % 1000);
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
	struct filex_file *f = t->f;
	char why[300];
	const uint8_t *p = a->body;
	size_t len = a->len;
	uint8_t hdr[4] = { (uint8_t)(a->len >> 24), (uint8_t)(a->len >> 16), (uint8_t)(a->len >> 8),
			   (uint8_t)a->len };
	int rc = 0;
	if (t->format == FILEX_JSON) {
		char err[200] = "";
		t->out.len = 0;
		rc = otlp_json_from_pb_signal(t->signal, a->body, a->len, OTLP_JSON_IN_REQUEST,
					      OTLP_JSON_ONE_LINE, &t->out, err, sizeof(err));
		if (rc < 0 && rc != -ENOMEM) { /* it will never render: keep it aside */
			snprintf(why, sizeof(why), "file: cannot render as OTLP/JSON: %.200s", err);
			struct outcome o = { .cls = RETRY_PERMANENT, .hint_ms = -1, .reason = why };
			deliver_complete(a, &o);
			return 0;
		}
		p = t->out.data;
		len = t->out.len;
	}
	size_t whole = len + (t->format == FILEX_PROTO ? 4 : 0);
	if (rc >= 0 && f->fd < 0)
		rc = filex_open(f);
	if (rc >= 0 && f->rotation && f->size > 0 && f->size + whole > f->max_bytes)
		rc = filex_rotate(f);
	if (rc >= 0) {
		/* one writev would be nicer; two appends are fine with one writer */
		rc = t->format == FILEX_PROTO ? write_all(f->fd, hdr, 4) : 0;
		if (rc == 0)
			rc = write_all(f->fd, p, len);
		if (rc == 0)
			f->size += whole;
	}
	snprintf(why, sizeof(why), "file %.120s: %s", f->path, rc < 0 ? strerror(-rc) : "ok");
	struct outcome o = { .cls = rc < 0 ? RETRY_AGAIN : RETRY_OK, .hint_ms = -1, .reason = why };
	deliver_complete(a, &o);
	return 0;
}

static void filex_free(void *tp)
{
	struct filex *t = tp;
	if (!t)
		return;
	if (--t->f->refs == 0) {
		if (t->f->fd >= 0)
			close(t->f->fd);
		free(t->f);
	}
	otlp_json_buf_free(&t->out);
	free(t);
}

static const struct transport_ops filex_ops = { .send = filex_send, .free = filex_free };

int filex_new(const struct filex_opts *o, void **tp, const struct transport_ops **ops, char *err,
	      size_t errlen)
{
	if (!o->share && (!o->path || !*o->path || strlen(o->path) >= 4000)) {
		snprintf(err, errlen, "file exporter: path missing or too long");
		return -EINVAL;
	}
	struct filex *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->format = o->format;
	t->signal = o->signal;
	if (o->share) {
		t->f = ((struct filex *)o->share)->f;
		t->f->refs++;
		goto done;
	}
	struct filex_file *f = t->f = calloc(1, sizeof(*f));
	if (!f) {
		free(t);
		return -ENOMEM;
	}
	f->refs = 1;
	f->fd = -1;
	f->rotation = o->rotation;
	f->max_bytes = o->max_bytes;
	f->max_backups = o->max_backups;
	snprintf(f->path, sizeof(f->path), "%s", o->path);
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", f->path);
	char *slash = strrchr(dir, '/');
	int rc = 0;
	if (slash && slash != dir) { /* create the directory, as the Collector does */
		*slash = 0;
		rc = deadletter_open_dir(dir);
	}
	if (rc == 0)
		rc = filex_open(f);
	if (rc < 0) {
		snprintf(err, errlen, "file exporter %s: %s", f->path, strerror(-rc));
		free(f);
		free(t);
		return rc;
	}
done:
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
