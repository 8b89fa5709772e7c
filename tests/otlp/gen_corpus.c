/* tests/otlp/gen_corpus.c: writes the seed corpora of the logs, metrics and
 * OTLP/JSON-of-signals fuzz targets from generated valid requests (a build
 * tool, not a test):
 *   gen_corpus tests/otlp/corpus
 * writes DIR/logs/genN.pb, DIR/metrics/genN.pb, DIR/json_signals/{logs,metrics}N.json. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gen_signals.h"
#include "otlp/json.h"

static int put(const char *dir, const char *sub, const char *name, const void *p, size_t n)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n) {
		perror(path);
		return -1;
	}
	return fclose(f);
}

int main(int argc, char **argv)
{
	const struct gen_opts o = { .max_rs = 2,
				    .max_ss = 2,
				    .max_spans = 3,
				    .max_attrs = 3,
				    .max_events = 3,
				    .max_links = 1,
				    .no_nan = 1 };
	struct otlp_json_buf js = { 0 };
	char name[64], err[256];

	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR\n");
		return 2;
	}
	for (int sig = 1; sig <= 2; sig++) {
		for (uint64_t seed = 1; seed <= 6; seed++) {
			uint64_t rng = seed * 2654435761u + (uint64_t)sig;
			ProtobufCMessage *m = sig == 1 ? &gen_logs_request(&rng, &o)->base
						       : &gen_metrics_request(&rng, &o)->base;
			size_t len;
			uint8_t *pb = gen_pack(m, &len);
			snprintf(name, sizeof(name), "gen%llu.pb", (unsigned long long)seed);
			if (put(argv[1], sig == 1 ? "logs" : "metrics", name, pb, len) < 0)
				return 1;
			js.len = 0;
			if (otlp_json_from_pb_signal((enum otlp_signal)sig, pb, len, OTLP_JSON_IN_REQUEST,
						     OTLP_JSON_ONE_LINE, &js, err, sizeof(err)) != 1) {
				fprintf(stderr, "%s\n", err);
				return 1;
			}
			snprintf(name, sizeof(name), "%s%llu.json", sig == 1 ? "logs" : "metrics",
				 (unsigned long long)seed);
			if (put(argv[1], "json_signals", name, js.data, js.len) < 0)
				return 1;
			free(pb);
			protobuf_c_message_free_unpacked(m, NULL);
		}
	}
	otlp_json_buf_free(&js);
	return 0;
}
