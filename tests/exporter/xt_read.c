/* Reading what the tests' backends and the export stage wrote: files,
 * recorded bodies, log lines, span counts and checksums (see xt.h). */
#include "xt.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <check.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest Req;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans RS;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans SS;
typedef Opentelemetry__Proto__Trace__V1__Span Span;
char *xt_slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return NULL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (buf && got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (buf)
		buf[got] = 0;
	*len = got;
	return buf;
}

char *xt_dead_letter(const char *pipe_dir, uint64_t seq, const char *exporter, const char *ext, size_t *len)
{
	char p[600];
	snprintf(p, sizeof(p), "%s/%020llu-%s.%s", pipe_dir, (unsigned long long)seq, exporter, ext);
	return xt_slurp(p, len);
}

size_t xt_read_bodies(const char *path, struct xt_body **out)
{
	size_t len, n = 0, cap = 0, off = 0;
	uint8_t *buf = (uint8_t *)xt_slurp(path, &len);
	*out = NULL;
	if (!buf)
		return 0;
	while (off + 4 <= len) {
		uint32_t l = (uint32_t)buf[off] << 24 | (uint32_t)buf[off + 1] << 16 |
			     (uint32_t)buf[off + 2] << 8 | buf[off + 3];
		if (off + 4 + l > len)
			break;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			*out = realloc(*out, cap * sizeof(**out));
			ck_assert_ptr_nonnull(*out);
		}
		struct xt_body *b = &(*out)[n++];
		memset(b, 0, sizeof(*b));
		b->data = malloc(l ? l : 1);
		memcpy(b->data, buf + off + 4, l);
		b->len = l;
		off += 4 + (size_t)l;
	}
	free(buf);
	return n;
}

void xt_bodies_free(struct xt_body *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(b[i].data);
	free(b);
}

size_t xt_read_log(const char *path, struct xt_logline **out)
{
	size_t len, n = 0, cap = 0;
	char *t = xt_slurp(path, &len);
	*out = NULL;
	if (!t)
		return 0;
	char *save = NULL;
	for (char *line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct xt_logline l;
		unsigned long long ms, num, spans;
		unsigned crc;
		if (sscanf(line, "%llu %llu %7s %31s %llu %x", &ms, &num, l.proto, l.answer, &spans, &crc) !=
		    6)
			continue;
		l.ms = ms;
		l.n = num;
		l.spans = spans;
		l.crc = crc;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			*out = realloc(*out, cap * sizeof(**out));
		}
		(*out)[n++] = l;
	}
	free(t);
	return n;
}

bool xt_count_spans(const struct xt_body *got, size_t n, uint32_t batches, uint32_t per, uint32_t *counts)
{
	for (size_t i = 0; i < n; i++) {
		Req *r = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
			NULL, got[i].len, got[i].data);
		if (!r)
			return false;
		bool ok = true;
		for (size_t a = 0; a < r->n_resource_spans; a++)
			for (size_t b = 0; b < r->resource_spans[a]->n_scope_spans; b++) {
				SS *ss = r->resource_spans[a]->scope_spans[b];
				for (size_t c = 0; c < ss->n_spans; c++) {
					Span *s = ss->spans[c];
					if (s->span_id.len != 8) {
						ok = false;
						continue;
					}
					uint64_t id = 0;
					for (int k = 0; k < 8; k++)
						id = id << 8 | s->span_id.data[k];
					uint32_t bt = (uint32_t)(id >> 32), ix = (uint32_t)id;
					char want[32];
					snprintf(want, sizeof(want), "op-%u-%u", bt, ix);
					if (bt >= batches || ix >= per || strcmp(s->name, want) ||
					    s->n_attributes != 1 ||
					    s->attributes[0]->value->int_value != 200 + (ix % 3))
						ok = false;
					else
						counts[(size_t)bt * per + ix]++;
				}
			}
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(r,
													NULL);
		if (!ok)
			return false;
	}
	return true;
}

uint32_t xt_crc(const struct xt_body *b)
{
	return (uint32_t)crc32(0L, b->data, (uInt)b->len);
}

size_t xt_count_files(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	size_t n = 0, sl = strlen(suffix);
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l >= sl && !strcmp(de->d_name + l - sl, suffix))
			n++;
	}
	closedir(d);
	return n;
}
