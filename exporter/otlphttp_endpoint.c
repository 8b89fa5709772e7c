/* The otlphttp exporter's endpoint: host, port and path prefix. */
#include "exporter/otlphttp.h"

#include <errno.h>
#include <string.h>

int otlphttp_parse_endpoint(const char *ep, char *host, size_t hostcap, uint16_t *port, char *path,
			    size_t pathcap)
{
	if (!ep || !*ep)
		return -EINVAL;
	if (strncmp(ep, "https://", 8) == 0)
		return -EINVAL; /* otlphttp_new takes https:// off and sets up TLS */
	if (strncmp(ep, "http://", 7) == 0)
		ep += 7;
	const char *slash = strchr(ep, '/');
	size_t hl = slash ? (size_t)(slash - ep) : strlen(ep);
	const char *colon = NULL;
	if (ep[0] == '[') { /* [v6]:port */
		const char *rb = memchr(ep, ']', hl);
		if (!rb || rb + 1 >= ep + hl || rb[1] != ':')
			return -EINVAL;
		colon = rb + 1;
		if ((size_t)(rb - ep - 1) >= hostcap)
			return -EINVAL;
		memcpy(host, ep + 1, (size_t)(rb - ep - 1));
		host[rb - ep - 1] = 0;
	} else {
		for (const char *p = ep + hl; p > ep; p--)
			if (p[-1] == ':') {
				colon = p - 1;
				break;
			}
		if (!colon || (size_t)(colon - ep) >= hostcap || colon == ep)
			return -EINVAL;
		memcpy(host, ep, (size_t)(colon - ep));
		host[colon - ep] = 0;
	}
	unsigned long p = 0;
	const char *q = colon + 1;
	if (q >= ep + hl)
		return -EINVAL;
	for (; q < ep + hl; q++) {
		if (*q < '0' || *q > '9')
			return -EINVAL;
		p = p * 10 + (unsigned long)(*q - '0');
		if (p > 65535)
			return -EINVAL;
	}
	if (p == 0)
		return -EINVAL;
	*port = (uint16_t)p;
	const char *rest = slash ? slash : "";
	size_t rl = strlen(rest);
	while (rl && rest[rl - 1] == '/')
		rl--;
	if (rl >= pathcap)
		return -EINVAL;
	memcpy(path, rest, rl);
	path[rl] = 0;
	return 0;
}
