/* tests/stages/tproc.h: one traces chain built from Collector-style YAML
 * (setup_chain / teardown_chain), run on packed spans and decoded by
 * protobuf-c (run), with a mixed set of spans to run it on. */
#ifndef SLUICE_TESTS_STAGES_TPROC_H
#define SLUICE_TESTS_STAGES_TPROC_H

#include <stdint.h>

#include "config/config.h"
#include "stages/chain.h"
#include "tests/stages/tb.h"

extern struct sluice_config *cfg;
extern struct chain *ch;
extern uint8_t out[1 << 20];

/* processors: YAML under "processors:"; list: the pipeline's list */
void setup_chain(const char *procs_yaml, const char *list);
void teardown_chain(void);
/* The chain's output decoded; NULL when nothing is left. */
TbRs *run(const struct tb_attr *res, const struct tb_span *spans, int n);
/* The kept spans' names, comma-separated. */
const char *names_of(TbRs *rs);

extern const struct tb_attr res_web[];
extern struct tb_span mix[4];

#endif
