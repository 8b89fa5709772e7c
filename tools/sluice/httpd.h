/* tools/sluice/httpd.h: the supervisor's HTTP endpoint on the io_uring loop.
 *
 *   GET /metrics  Prometheus text (report_prometheus)
 *   GET /health   200 "ok" when every stage runs, else 503 naming which
 *
 * One request a connection (Connection: close); it is the control plane,
 * a few requests a second.
 */
#ifndef SLUICE_TOOLS_HTTPD_H
#define SLUICE_TOOLS_HTTPD_H

#include "config/config.h"
#include "net/loop.h"
#include "shm/segment.h"

struct httpd {
	struct net_listener *listener;
	struct segment *seg;
};

/* Listen on `ep` (port 0 = disabled endpoint is not supported: any free port). */
int httpd_start(struct httpd *h, struct net_loop *loop, struct segment *seg,
		const struct sluice_endpoint *ep);
void httpd_close(struct httpd *h);

#endif
