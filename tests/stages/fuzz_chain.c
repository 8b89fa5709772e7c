/* libFuzzer: arbitrary bytes as a ring record through a process chain that
 * uses every processor type (filter with regexps, sampler, attributes with
 * every action, resource, span rename/extract), and through the batch
 * splitter. Must never crash, and output must stay within the buffer. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "stages/chain.h"
#include "stages/split.h"

static const char yaml[] =
	"processors:\n"
	"  filter:\n    spans:\n      exclude:\n        match_type: regexp\n"
	"        span_names: [\"^drop\"]\n        attributes:\n          - key: k\n            value: \"v.*\"\n"
	"  probabilistic_sampler:\n    sampling_percentage: 75\n"
	"  resource:\n    attributes:\n      - {key: r, value: 1, action: upsert}\n"
	"      - {pattern: \"^x\", action: delete}\n"
	"  attributes:\n    actions:\n      - {key: a, value: s, action: insert}\n"
	"      - {key: b, from_attribute: a, action: upsert}\n"
	"      - {key: c, action: hash}\n      - {pattern: \"^d\", action: hash}\n"
	"      - {key: e, pattern: \"(?P<g1>[a-z]+)-(?P<g2>[0-9]+)\", action: extract}\n"
	"      - {key: k, value: 2.5, action: update}\n      - {key: f, action: delete}\n"
	"  span:\n    name:\n      from_attributes: [a, g1]\n      separator: \"-\"\n"
	"      to_attributes:\n        rules: [\"^(?P<w>[a-z]+)-\"]\n"
	"service:\n  pipelines:\n    traces:\n"
	"      processors: [filter, probabilistic_sampler, resource, attributes, span]\n";

static struct chain *ch;
static struct split sp;
static uint8_t out[1 << 20];

static int fuzz_emit(void *arg, size_t frame_len, uint32_t items, uint8_t **dst)
{
	(void)items;
	size_t *total = arg;
	if (frame_len > sizeof out)
		return -EMSGSIZE;
	*total += frame_len;
	*dst = out;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ch) {
		struct sluice_config *cfg;
		char err[256];
		if (config_load_buffer("<fuzz>", yaml, sizeof yaml - 1, &cfg, NULL) < 0)
			abort();
		ch = chain_new(cfg->pipeline.processors, cfg->pipeline.n_processors, err, sizeof err);
		if (!ch || split_init(&sp, 4096, 4096) < 0)
			abort();
		/* cfg stays alive for the chain: the process lives as long */
	}
	if (size > (512u << 10))
		return 0;
	int64_t n = chain_run(ch, data, size, out, sizeof out, NULL);
	if (n > (int64_t)sizeof out)
		abort();
	size_t total = 0;
	split_run(&sp, data, size, 3, 300, fuzz_emit, &total);
	return 0;
}
