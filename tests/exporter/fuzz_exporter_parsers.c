/* libFuzzer: every parser the export stage and the sink run on outside
 * input: Retry-After values, ExportTraceServiceResponse partial_success,
 * endpoint URLs, file-exporter framing, disk-queue entries, sink failure
 * schedules and the debug exporter's item lines (spans, log records, data
 * points). None may crash or read out of bounds. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exporter/debug_lines.h"
#include "exporter/diskq.h"
#include "exporter/localx.h"
#include "exporter/otlphttp.h"
#include "exporter/retry.h"
#include "tools/sink/sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	switch (data[0] % 7) {
	case 0:
		retry_parse_after((const char *)p, n, 1764046200);
		break;
	case 1: {
		const char *m;
		size_t ml;
		int64_t r = otlp_partial_rejected(p, n, &m, &ml);
		if (r >= 0 && m && (m < (const char *)p || m + ml > (const char *)p + n))
			abort();
		break;
	}
	case 2: {
		char s[512], host[256], path[256];
		uint16_t port;
		size_t l = n < sizeof(s) - 1 ? n : sizeof(s) - 1;
		memcpy(s, p, l);
		s[l] = 0;
		otlphttp_parse_endpoint(s, host, sizeof(host), &port, path, sizeof(path));
		break;
	}
	case 3: {
		size_t off = 0;
		const uint8_t *b;
		uint32_t bl;
		for (int i = 0; i < 10000 && filex_next(p, n, &off, &b, &bl) == 0; i++)
			if (b + bl > p + n)
				abort();
		break;
	}
	case 4: {
		char s[1024], err[200];
		size_t l = n < sizeof(s) - 1 ? n : sizeof(s) - 1;
		memcpy(s, p, l);
		s[l] = 0;
		struct sink_sched sc;
		if (sink_sched_parse(&sc, s, err, sizeof(err)) == 0)
			for (int i = 0; i < 50; i++)
				sink_sched_next(&sc);
		break;
	}
	case 6: { /* debug `normal` lines of any signal from any body: within the buffer */
		struct otlp_json_buf b = { 0 };
		enum otlp_signal sig = (enum otlp_signal)((data[0] / 7) % 3);
		if (debug_lines_normal_signal(sig, p, n, &b) == 0 && b.len > b.cap)
			abort();
		otlp_json_buf_free(&b);
		break;
	}
	case 5: { /* a disk-queue entry with arbitrary content */
		char dir[64];
		snprintf(dir, sizeof(dir), "/tmp/fuzz-dq-%d", (int)getpid());
		struct diskq q;
		if (diskq_open(&q, dir, 0, false) < 0)
			break;
		char path[128];
		snprintf(path, sizeof(path), "%s/00000000000000000007.q", dir);
		FILE *f = fopen(path, "w");
		if (f) {
			fwrite(p, 1, n, f);
			fclose(f);
		}
		diskq_close(&q);
		if (diskq_open(&q, dir, 0, false) == 0) {
			uint8_t *buf = NULL;
			size_t cap = 0;
			struct diskq_rec r;
			if (diskq_load(&q, 7, &buf, &cap, &r) == 0 && r.len > cap)
				abort();
			free(buf);
			diskq_remove(&q, 7);
			diskq_close(&q);
		}
		unlink(path);
		rmdir(dir);
		break;
	}
	}
	return 0;
}
