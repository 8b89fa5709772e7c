/* net/tls_gcm.h (private to net/tls_*.c): the AES-GCM that TLS records are
 * sealed with, from Intel's ipsec-mb (Debian's libipsec-mb) when this CPU
 * has VAES, VPCLMULQDQ and AVX-512, as an OpenSSL 3 provider.
 *
 * Why: the cipher is what https costs here. OpenSSL 3.0 (Debian 12) has no
 * VAES path for AES-GCM and runs it at ~4.9 GB/s on this host; ipsec-mb's
 * runs at ~22 GB/s (docs/bench/wire.md, tests/net/bench_gcm.c). OpenSSL
 * still does everything else: handshakes, record framing, every other
 * algorithm. Only the bulk cipher of the GCM suites (TLS 1.3 and 1.2,
 * AES-128 and AES-256) comes from here, and only for sluice's own SSL_CTXs.
 *
 *   tls_gcm_propq()  the property query to make an SSL_CTX with: prefers
 *                    this provider's AES-GCM; NULL when it is not in use
 *                    (not built in, the CPU lacks the instructions, or
 *                    SLUICE_TLS_GCM=openssl in the environment), and then
 *                    OpenSSL's own AES-GCM serves as before.
 *   tls_gcm_name()   "ipsec-mb" or "openssl": which one (logs, tests).
 *   tls_gcm_provider_init()  the provider's entry point (tests load it
 *                    into a library context of their own to compare it
 *                    with OpenSSL's cipher byte for byte).
 */
#ifndef SLUICE_NET_TLS_GCM_H
#define SLUICE_NET_TLS_GCM_H

#include <openssl/core.h>

#define TLS_GCM_PROVIDER "sluice-gcm"

const char *tls_gcm_propq(void);
const char *tls_gcm_name(void);
int tls_gcm_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in, const OSSL_DISPATCH **out,
			  void **provctx);

#endif
