/* exporter/promx.h: the `prometheus` exporter (the Collector's): metric
 * batches of its pipelines go into one agg/prom.h store per exporter id,
 * and GET /metrics on its endpoint renders the store, on the export
 * stage's loop (net/http1.h; HTTP/1.1 keep-alive, HEAD too).
 *
 *   promx_open()       the store and the listener (once per exporter id)
 *   promx_transport()  a transport for one pipeline that feeds it: each
 *                      batch is stored and acknowledged at once (a body
 *                      that does not parse is refused for good: dead
 *                      letter); a store shared by several pipelines holds
 *                      the series of all of them
 *   promx_close()      after every transport of it is freed
 *
 * Format: the Prometheus text format 0.0.4; OpenMetrics 1.0 when
 * enable_open_metrics is set and the scraper's Accept header asks for it
 * (prom_format_for). Other paths answer 404, other methods 405, and a
 * request head over 8 KiB 431; each connection is closed after 60 s
 * without a request.
 */
#ifndef SLUICE_EXPORTER_PROMX_H
#define SLUICE_EXPORTER_PROMX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agg/prom.h"
#include "exporter/deliver.h"
#include "net/loop.h"

struct promx_opts {
	const char *name;	  /* exporter id, for log lines */
	const char *host;	  /* listen address */
	uint16_t port;		  /* 0 = any free port (tests): promx_port */
	struct prom_config store; /* namespace, const labels, expiration, suffixes */
	bool open_metrics;	  /* enable_open_metrics */
};

struct promx;

/* 0, or -errno with a message naming the endpoint in err. */
int promx_open(struct net_loop *loop, const struct promx_opts *o, struct promx **out, char *err,
	       size_t errlen);
uint16_t promx_port(const struct promx *p);
int promx_transport(struct promx *p, void **t, const struct transport_ops **ops);
void promx_close(struct promx *p);

#endif
