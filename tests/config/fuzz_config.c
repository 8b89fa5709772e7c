/* libFuzzer: arbitrary bytes as a config file. The loader must return 0 or
 * a negative errno with a message, never crash or leak; a config that loads
 * must print, and its printout must load again to the same printout. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *print(const struct sluice_config *cfg, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		abort();
	if (config_print(cfg, f) != 0)
		abort();
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sluice_config *cfg, *again;
	struct config_error err;
	size_t n1, n2;
	char *p1, *p2;

	if (config_load_buffer("<fuzz>", (const char *)data, size, &cfg, &err) < 0) {
		if (!err.msg[0])
			abort(); /* every failure explains itself */
		return 0;
	}
	p1 = print(cfg, &n1);
	if (config_load_buffer("<printed>", p1, n1, &again, &err) < 0) {
		fprintf(stderr, "printed config does not load: %s\n%s\n", err.msg, p1);
		abort();
	}
	p2 = print(again, &n2);
	/* skip the first line: it names the source */
	const char *b1 = strchr(p1, '\n'), *b2 = strchr(p2, '\n');
	if (!b1 || !b2 || strcmp(b1, b2) != 0) {
		fprintf(stderr, "printout changed on reload:\n%s\n---\n%s\n", p1, p2);
		abort();
	}
	free(p1);
	free(p2);
	config_free(again);
	config_free(cfg);
	return 0;
}
