/* tests/producer/ingest_testlib.c: see ingest_testlib.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "tests/otlp/gen_signals.h"
#include "tests/producer/ingest_testlib.h"

typedef Opentelemetry__Proto__Trace__V1__Span Span;
typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;

static uint32_t tl_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

uint8_t *tl_request(unsigned n_rs, unsigned spans, uint32_t seed, size_t *len)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest req =
		OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
	Opentelemetry__Proto__Trace__V1__ResourceSpans *rs = calloc(n_rs, sizeof(*rs));
	Opentelemetry__Proto__Trace__V1__ResourceSpans **rsp = calloc(n_rs, sizeof(*rsp));
	Opentelemetry__Proto__Trace__V1__ScopeSpans *ss = calloc(n_rs, sizeof(*ss));
	Opentelemetry__Proto__Trace__V1__ScopeSpans **ssp = calloc(n_rs, sizeof(*ssp));
	Opentelemetry__Proto__Resource__V1__Resource *res = calloc(n_rs, sizeof(*res));
	Opentelemetry__Proto__Common__V1__InstrumentationScope scope =
		OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT;
	size_t ns = (size_t)n_rs * spans;
	Span *sp = calloc(ns ? ns : 1, sizeof(*sp));
	Span **spp = calloc(ns ? ns : 1, sizeof(*spp));
	KeyValue *kv = calloc(ns * 4 + n_rs + 1, sizeof(*kv));
	KeyValue **kvp = calloc(ns * 4 + n_rs + 1, sizeof(*kvp));
	AnyValue *av = calloc(ns * 4 + n_rs + 1, sizeof(*av));
	char(*names)[32] = calloc(ns ? ns : 1, 32);
	uint8_t(*ids)[24] = calloc(ns ? ns : 1, 24);
	uint32_t s = seed ? seed : 1;
	size_t k = 0;

	scope.name = "tests.producer";
	scope.version = "1.0";
	for (unsigned r = 0; r < n_rs; r++) {
		opentelemetry__proto__resource__v1__resource__init(&res[r]);
		opentelemetry__proto__common__v1__key_value__init(&kv[k]);
		opentelemetry__proto__common__v1__any_value__init(&av[k]);
		kv[k].key = "service.name";
		av[k].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
		av[k].string_value = "bench-service";
		kv[k].value = &av[k];
		kvp[k] = &kv[k];
		res[r].attributes = &kvp[k];
		res[r].n_attributes = 1;
		k++;
		opentelemetry__proto__trace__v1__resource_spans__init(&rs[r]);
		opentelemetry__proto__trace__v1__scope_spans__init(&ss[r]);
		rs[r].resource = &res[r];
		rs[r].scope_spans = &ssp[r];
		rs[r].n_scope_spans = 1;
		ssp[r] = &ss[r];
		ss[r].scope = &scope;
		ss[r].spans = &spp[(size_t)r * spans];
		ss[r].n_spans = spans;
		rsp[r] = &rs[r];
		for (unsigned i = 0; i < spans; i++) {
			size_t j = (size_t)r * spans + i;
			Span *x = &sp[j];
			opentelemetry__proto__trace__v1__span__init(x);
			for (int b = 0; b < 24; b++)
				ids[j][b] = (uint8_t)tl_rand(&s);
			x->trace_id = (ProtobufCBinaryData){ 16, ids[j] };
			x->span_id = (ProtobufCBinaryData){ 8, ids[j] + 16 };
			snprintf(names[j], 32, "span-%u-%u", r, i);
			x->name = names[j];
			x->kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER;
			x->start_time_unix_nano = 1764000000000000000ull + j * 1000;
			x->end_time_unix_nano = x->start_time_unix_nano + 500 + (tl_rand(&s) % 1000000);
			static const char *keys[4] = { "http.request.method", "http.route",
						       "user_agent.original", "http.response.status_code" };
			static const char *vals[3] = { "GET", "/api/v1/users/{id}/orders/{order}",
						       "Mozilla/5.0 (X11)" };
			x->attributes = &kvp[k];
			x->n_attributes = 4;
			for (int a = 0; a < 4; a++, k++) {
				opentelemetry__proto__common__v1__key_value__init(&kv[k]);
				opentelemetry__proto__common__v1__any_value__init(&av[k]);
				kv[k].key = (char *)keys[a];
				if (a < 3) {
					av[k].value_case =
						OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
					av[k].string_value = (char *)vals[a];
				} else {
					av[k].value_case =
						OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
					av[k].int_value = 200;
				}
				kv[k].value = &av[k];
				kvp[k] = &kv[k];
			}
			spp[j] = x;
		}
	}
	req.resource_spans = rsp;
	req.n_resource_spans = n_rs;
	*len = opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(
		&req);
	uint8_t *out = malloc(*len ? *len : 1);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(&req, out);
	free(rs);
	free(rsp);
	free(ss);
	free(ssp);
	free(res);
	free(sp);
	free(spp);
	free(kv);
	free(kvp);
	free(av);
	free(names);
	free(ids);
	return out;
}

/* n_res copies of one packed request of one resource: repeated field 1
 * concatenated is the request with all of them. */
static uint8_t *tl_repeat(const ProtobufCMessage *one, unsigned n_res, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(one);
	uint8_t *out = malloc(n * n_res + 1);
	if (!out)
		return NULL;
	protobuf_c_message_pack(one, out);
	for (unsigned i = 1; i < n_res; i++)
		memcpy(out + i * n, out, n);
	*len = n * n_res;
	return out;
}

uint8_t *tl_signal_request(enum otlp_signal sig, unsigned n_res, unsigned items, uint32_t seed, size_t *len)
{
	uint8_t *out = NULL;
	if (sig == OTLP_SIGNAL_TRACES)
		return tl_request(n_res, items, seed, len);
	if (sig == OTLP_SIGNAL_LOGS) {
		GenLogsReq *q = gen_bench_logs(items);
		out = tl_repeat(&q->base, n_res, len);
		protobuf_c_message_free_unpacked(&q->base, NULL);
	} else if (sig == OTLP_SIGNAL_METRICS) {
		GenMetricsReq *q = gen_bench_metrics(items);
		out = tl_repeat(&q->base, n_res, len);
		protobuf_c_message_free_unpacked(&q->base, NULL);
	}
	return out;
}

int tl_mem_ring(struct ring *r, uint64_t cap, void **mem)
{
	*mem = aligned_alloc(4096, (RING_CTRL_SIZE + cap + 4095) & ~(uint64_t)4095);
	if (!*mem)
		return -ENOMEM;
	memset(*mem, 0, RING_CTRL_SIZE + cap);
	int rc = ring_format(*mem, cap);
	if (rc < 0)
		return rc;
	return ring_init(r, *mem, -1, -1);
}

int tl_connect(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval tv = { 5, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

int tl_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int tl_http_response(int fd, char *buf, size_t cap, const char **body, size_t *blen, const char *want,
		     char *hval, size_t hcap)
{
	size_t have = 0;
	char *end = NULL;
	/* The head a byte at a time: never read past this response, the next
	 * (pipelined) one stays in the socket. */
	while (!end) {
		if (have + 1 >= cap)
			return -ENOSPC;
		ssize_t n = recv(fd, buf + have, 1, 0);
		if (n <= 0)
			return n == 0 ? -ECONNRESET : -errno;
		have += (size_t)n;
		buf[have] = '\0';
		if (have >= 4 && memcmp(buf + have - 4, "\r\n\r\n", 4) == 0)
			end = buf + have - 4;
	}
	int status = 0;
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		return -EPROTO;
	size_t clen = 0;
	if (hval && hcap)
		hval[0] = '\0';
	for (char *line = strstr(buf, "\r\n") + 2; line < end; line = strstr(line, "\r\n") + 2) {
		char *colon = memchr(line, ':', (size_t)(end - line));
		if (!colon)
			break;
		size_t nlen = (size_t)(colon - line);
		char *v = colon + 1;
		while (*v == ' ')
			v++;
		char *eol = strstr(v, "\r\n");
		if (nlen == 14 && strncasecmp(line, "Content-Length", 14) == 0)
			clen = strtoul(v, NULL, 10);
		if (want && strlen(want) == nlen && strncasecmp(line, want, nlen) == 0 && hval) {
			size_t vl = (size_t)(eol - v) < hcap - 1 ? (size_t)(eol - v) : hcap - 1;
			memcpy(hval, v, vl);
			hval[vl] = '\0';
		}
	}
	size_t hlen = (size_t)(end + 4 - buf);
	if (hlen + clen + 1 > cap)
		return -ENOSPC;
	while (have < hlen + clen) {
		ssize_t n = recv(fd, buf + have, hlen + clen - have, 0);
		if (n <= 0)
			return n == 0 ? -ECONNRESET : -errno;
		have += (size_t)n;
	}
	buf[hlen + clen] = '\0';
	if (body)
		*body = buf + hlen;
	if (blen)
		*blen = clen;
	return status;
}

int tl_http_post(uint16_t port, const char *ctype, const char *cenc, const void *body, size_t len, char *resp,
		 size_t cap, const char **rbody, size_t *rblen)
{
	return tl_http_post_to(port, "/v1/traces", ctype, cenc, body, len, resp, cap, rbody, rblen);
}

int tl_http_post_to(uint16_t port, const char *path, const char *ctype, const char *cenc, const void *body,
		    size_t len, char *resp, size_t cap, const char **rbody, size_t *rblen)
{
	int fd = tl_connect(port);
	if (fd < 0)
		return fd;
	char head[512];
	int n = snprintf(head, sizeof(head),
			 "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\n%s%s%s"
			 "Content-Length: %zu\r\n\r\n",
			 path, ctype, cenc ? "Content-Encoding: " : "", cenc ? cenc : "", cenc ? "\r\n" : "",
			 len);
	/* The server may answer early (413) and close: read the answer even
	 * when the rest of the body could not be written. */
	int rc = tl_write_all(fd, head, (size_t)n);
	if (rc == 0)
		tl_write_all(fd, body, len);
	rc = tl_http_response(fd, resp, cap, rbody, rblen, NULL, NULL, 0);
	close(fd);
	return rc;
}
