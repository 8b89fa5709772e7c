/* config/url.c: exporter URLs ("https://host:port/path", "[v6]:port") and
 * name -> value maps (HTTP headers, Prometheus labels), shared by the
 * exporter descriptors. */
#include "config/loader.h"
#include "config/print.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/arena.h"

int config_url(struct schema_ctx *c, const struct ynode *at, const char *path, const char *url,
	       bool need_scheme, uint16_t default_port, struct sluice_url *out)
{
	const char *s = url, *host, *end, *port = NULL;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (!strncmp(s, "https://", 8)) {
		s += 8;
		out->tls = true;
	} else if (!strncmp(s, "http://", 7)) {
		s += 7;
	} else if (strstr(s, "://") || need_scheme) {
		return schema_error(c, at,
				    "%s: expected a URL like http://host:4318 or https://host, got \"%.80s\"",
				    path, url);
	}
	out->port = default_port ? default_port : out->tls ? 443 : 80;
	end = s + strcspn(s, "/?#");
	if (*end == '?' || *end == '#')
		return schema_error(c, at, "%s: query and fragment are not supported in \"%.80s\"", path,
				    url);
	host = s;
	if (*host == '[') {
		const char *rb = memchr(host, ']', (size_t)(end - host));
		if (!rb)
			return schema_error(c, at, "%s: unterminated [IPv6] host in \"%.80s\"", path, url);
		hlen = (size_t)(rb - host - 1);
		host++;
		if (rb + 1 < end) {
			if (rb[1] != ':')
				return schema_error(c, at, "%s: bad host in \"%.80s\"", path, url);
			port = rb + 2;
		}
	} else {
		const char *colon = memchr(host, ':', (size_t)(end - host));
		hlen = (size_t)((colon ? colon : end) - host);
		if (colon)
			port = colon + 1;
	}
	if (!hlen)
		return schema_error(c, at, "%s: no host in \"%.80s\"", path, url);
	if (memchr(host, '@', hlen))
		return schema_error(c, at, "%s: user information in a URL is not supported (use headers)",
				    path);
	if (port) {
		size_t plen = (size_t)(end - port);
		unsigned long v;

		if (!plen || plen > 5 || strspn(port, "0123456789") < plen)
			return schema_error(c, at, "%s: bad port in \"%.80s\"", path, url);
		v = strtoul(port, NULL, 10);
		if (v == 0 || v > 65535)
			return schema_error(c, at, "%s: port %lu is out of range (expected 1..65535)", path,
					    v);
		out->port = (uint16_t)v;
	}
	out->host = arena_strndup(c->a, host, hlen);
	out->path = *end ? end : "";
	return out->host ? 0 : -ENOMEM;
}

int config_url_text(struct schema_ctx *c, struct sluice_url *u)
{
	bool v6 = strchr(u->host, ':') != NULL;

	u->text = arena_printf(c->a, "%s://%s%s%s:%u%s", u->tls ? "https" : "http", v6 ? "[" : "", u->host,
			       v6 ? "]" : "", u->port, u->path);
	return u->text ? 0 : -ENOMEM;
}

static bool header_name_ok(const char *s, size_t n)
{
	return n &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$%&'*+^`|~") ==
		       n;
}

/* Prometheus label names: [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__". */
static bool label_name_ok(const char *s, size_t n)
{
	return n && !isdigit((unsigned char)s[0]) && strncmp(s, "__", 2) &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

int config_headers(struct schema_ctx *c, const struct ynode *v, const char *path, bool http,
		   struct sluice_header **out, size_t *n)
{
	char p[300];
	int rc = schema_expect_map(c, v, path);

	if (rc < 0 || v->kind == YN_NULL)
		return rc;
	*out = arena_calloc(c->a, v->n / 2 + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	*n = 0;
	for (size_t i = 0; i < v->n; i += 2) {
		const struct ynode *k = v->items[i];
		struct sluice_header *h = &(*out)[*n];
		char *name;

		if (http && *n == SLUICE_MAX_HEADERS)
			return schema_error(c, k, "%s: at most %d headers", path, SLUICE_MAX_HEADERS);
		if (k->kind != YN_SCALAR || !(http ? header_name_ok : label_name_ok)(k->text, k->len))
			return schema_error(c, k, "%s: bad %s name \"%.60s\"", path,
					    http ? "header" : "label", k->text ? k->text : "");
		name = arena_strndup(c->a, k->text, k->len);
		if (!name)
			return -ENOMEM;
		for (char *q = name; http && *q; q++)
			*q = (char)tolower((unsigned char)*q);
		for (size_t j = 0; j < *n; j++)
			if (!strcmp((*out)[j].name, name))
				return schema_error(c, k, "%s: duplicate %s \"%s\"", path,
						    http ? "header" : "label", name);
		rc = schema_str(c, v->items[i + 1], schema_path(p, sizeof(p), path, name), &h->value);
		if (rc < 0)
			return rc;
		if (http && strpbrk(h->value, "\r\n"))
			return schema_error(c, v->items[i + 1], "%s: header value contains a line break", p);
		h->name = name;
		(*n)++;
	}
	return 0;
}

void config_headers_print(struct printer *p, int indent, const char *key, const struct sluice_header *h,
			  size_t n)
{
	if (!n) {
		pr_line(p, indent, "%s: {}\n", key);
		return;
	}
	pr_line(p, indent, "%s:\n", key);
	for (size_t i = 0; i < n; i++)
		pr_str(p, indent + 1, h[i].name, h[i].value);
}
