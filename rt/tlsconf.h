/* rt/tlsconf.h: a config's tls: blocks (config/values.h) as net/'s TLS
 * settings (net/tls.h), in one place for ingest (server), export (client)
 * and `sluice check`; and the check of every TLS block of a config.
 *
 *   struct net_tls_client_config nc;
 *   rt_tls_client(&exporter->otlp.tls, &nc);   // nc points into the config
 *   net_tls_client_new(&t, &nc, "h2", err, sizeof err);
 */
#ifndef SLUICE_RT_TLSCONF_H
#define SLUICE_RT_TLSCONF_H

#include <stddef.h>
#include <stdio.h>

#include "config/config.h"
#include "net/tls.h"

void rt_tls_client(const struct sluice_tls_client *c, struct net_tls_client_config *out);
void rt_tls_server(const struct sluice_tls_server *s, struct net_tls_server_config *out);

/* Loads every TLS block of the config the way the stages will (readable
 * files, PEM, key matching its certificate, versions) and writes one line
 * "sluice: FILE:LINE:COL: exporters.X.tls: ..." to `out` for each that
 * fails. Returns the number of failures. */
int rt_tls_check_all(const struct sluice_config *cfg, FILE *out);

#endif
