/* Dead-letter files: durable write (temp + fsync + rename), tiny JSON meta. */
#include "exporter/deadletter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rt/dirs.h"

int deadletter_dir_ready(const char *dir, char *why, size_t why_len)
{
	char what[512];
	int rc = dirs_make(dir, what, sizeof(what));
	if (rc < 0 && why && why_len)
		snprintf(why, why_len, "directory %s %s", dir, what);
	return rc;
}

int deadletter_open_dir(const char *dir)
{
	return deadletter_dir_ready(dir, NULL, 0);
}

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

/* Writes tmp, fsyncs it, renames it over final. */
static int durable_file(const char *final, const void *buf, size_t len)
{
	char tmp[4200];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", final) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int rc = write_all(fd, buf, len);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, final) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

static void safe_name(char *out, size_t cap, const char *in)
{
	size_t i = 0;
	for (; in && in[i] && i + 1 < cap; i++) {
		char c = in[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '_' || c == '-' || c == '.';
		out[i] = ok ? c : '_';
	}
	out[i] = 0;
	if (i == 0)
		snprintf(out, cap, "exporter");
}

/* JSON string body with the few escapes a reason can need. */
static size_t json_escape(char *out, size_t cap, const char *s)
{
	size_t o = 0;
	for (; s && *s && o + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = 0;
	return o;
}

int deadletter_write(const char *dir, const void *body, size_t len, const struct deadletter_meta *m)
{
	char name[128], path[4200], reason[512], ts[40], meta[1400], pipe[300] = "";
	safe_name(name, sizeof(name), m->exporter);
	if (m->pipeline || m->signal) {
		char pl[200], sg[40];
		json_escape(pl, sizeof(pl), m->pipeline ? m->pipeline : "");
		json_escape(sg, sizeof(sg), m->signal ? m->signal : "");
		snprintf(pipe, sizeof(pipe), "\"pipeline\":\"%s\",\"signal\":\"%s\",", pl, sg);
	}
	json_escape(reason, sizeof(reason), m->reason ? m->reason : "");

	time_t secs = (time_t)(m->time_ns / 1000000000ULL);
	struct tm tm;
	gmtime_r(&secs, &tm);
	size_t tl = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + tl, sizeof(ts) - tl, ".%03uZ", (unsigned)(m->time_ns / 1000000ULL % 1000));

	if (snprintf(path, sizeof(path), "%s/%020llu-%s.pb", dir, (unsigned long long)m->seq, name) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	int rc = durable_file(path, body, len);
	if (rc < 0)
		return rc;

	int ml = snprintf(meta, sizeof(meta),
			  "{\"exporter\":\"%s\",%s\"seq\":%llu,\"reason\":\"%s\","
			  "\"status\":%d,\"time\":\"%s\",\"time_unix_nano\":%llu,"
			  "\"%s\":%u,\"bytes\":%zu,\"attempts\":%u}\n",
			  name, pipe, (unsigned long long)m->seq, reason, m->status, ts,
			  (unsigned long long)m->time_ns, m->item_key ? m->item_key : "spans", m->items, len,
			  m->attempts);
	if (ml < 0 || ml >= (int)sizeof(meta))
		return -EOVERFLOW;
	snprintf(path, sizeof(path), "%s/%020llu-%s.json", dir, (unsigned long long)m->seq, name);
	rc = durable_file(path, meta, (size_t)ml);
	if (rc < 0)
		return rc;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}
