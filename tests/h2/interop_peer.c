/* interop_peer: our h2 glue on 127.0.0.1 TCP, for interop.js to check
 * against @grpc/grpc-js (a real gRPC stack).
 *
 *   interop_peer server         listen on 127.0.0.1:0, print "PORT n", serve
 *                               until stdin closes (or 60 s pass)
 *     /test.Echo/Echo           OK, echoes the message
 *     /test.Echo/Info           OK, message "enc=E flag=F len=N timeout=T"
 *     /test.Echo/Throttle       RESOURCE_EXHAUSTED + RetryInfo 1.5 s
 *     anything else             UNIMPLEMENTED
 *   interop_peer client PORT    call a grpc-js server; print one line a
 *                               check ("echo ok", ...), exit 0 if all held
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "h2_pump.h"
#include "net/grpc.h"
#include "net/h2.h"

#define MAX_CONNS 32

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Write what fits; true if output is still pending. */
static bool flush_server(int fd, struct h2_server *s)
{
	const uint8_t *d;
	ssize_t n;
	while ((n = h2_server_out(s, &d)) > 0) {
		ssize_t w = write(fd, d, (size_t)n);
		if (w <= 0)
			return true;
		h2_server_sent(s, (size_t)w);
	}
	return false;
}

static void on_request(void *ud, struct h2_server *s, const struct h2_request *req)
{
	const uint8_t *m = NULL;
	size_t ml = 0;
	bool comp = false;
	char info[160];
	(void)ud;

	int rc = grpc_frame_unary(req->body, req->body_len, &m, &ml, &comp);
	if (rc) {
		h2_server_respond_grpc(s, req->stream_id, GRPC_STATUS_INVALID_ARGUMENT, "bad gRPC framing",
				       NULL, 0, -1);
	} else if (strcmp(req->path, "/test.Echo/Echo") == 0) {
		h2_server_respond_grpc(s, req->stream_id, 0, NULL, m, ml, -1);
	} else if (strcmp(req->path, "/test.Echo/Info") == 0) {
		int n = snprintf(info, sizeof(info), "enc=%s flag=%d len=%zu timeout=%s", req->grpc_encoding,
				 comp, ml, req->grpc_timeout);
		h2_server_respond_grpc(s, req->stream_id, 0, NULL, (const uint8_t *)info, (size_t)n, -1);
	} else if (strcmp(req->path, "/test.Echo/Throttle") == 0) {
		h2_server_respond_grpc(s, req->stream_id, GRPC_STATUS_RESOURCE_EXHAUSTED,
				       "ring full: 100% busy", NULL, 0, 1500000000ll);
	} else {
		h2_server_respond_grpc(s, req->stream_id, GRPC_STATUS_UNIMPLEMENTED, "unknown method", NULL,
				       0, -1);
	}
}

static int run_server(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct {
		int fd;
		struct h2_server *s;
	} c[MAX_CONNS];
	int nc = 0;
	static uint8_t buf[256 * 1024];

	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 16) ||
	    getsockname(lfd, (struct sockaddr *)&a, &al)) {
		perror("interop_peer: listen");
		return 1;
	}
	set_nonblock(lfd);
	printf("PORT %d\n", ntohs(a.sin_port));
	fflush(stdout);
	uint64_t end = h2p_now_ms() + 60000;
	while (h2p_now_ms() < end) {
		struct pollfd pf[MAX_CONNS + 2];
		bool pend[MAX_CONNS];
		pf[0] = (struct pollfd){ lfd, POLLIN, 0 };
		pf[1] = (struct pollfd){ 0, POLLIN, 0 };
		for (int i = 0; i < nc; i++) {
			pend[i] = flush_server(c[i].fd, c[i].s);
			pf[i + 2] = (struct pollfd){ c[i].fd, (short)(POLLIN | (pend[i] ? POLLOUT : 0)), 0 };
		}
		if (poll(pf, (nfds_t)nc + 2, 200) < 0 && errno != EINTR)
			break;
		if (pf[1].revents && read(0, buf, sizeof(buf)) <= 0)
			break; /* the test is gone */
		if (pf[0].revents & POLLIN) {
			int fd = accept(lfd, NULL, NULL);
			struct h2_server_cbs cbs = { on_request, NULL };
			if (fd >= 0 && nc < MAX_CONNS) {
				set_nonblock(fd);
				c[nc].fd = fd;
				c[nc].s = h2_server_new(NULL, &cbs, NULL);
				nc++;
			} else if (fd >= 0) {
				close(fd);
			}
		}
		for (int i = 0; i < nc; i++) {
			bool gone = false;
			if (pf[i + 2].revents & (POLLIN | POLLHUP | POLLERR)) {
				ssize_t r = read(c[i].fd, buf, sizeof(buf));
				if (r == 0 || (r < 0 && errno != EAGAIN))
					gone = true;
				else if (r > 0 && h2_server_recv(c[i].s, buf, (size_t)r) < 0)
					fprintf(stderr, "interop_peer: %s\n", h2_server_error(c[i].s));
			}
			if (!gone && h2_server_closing(c[i].s) && !flush_server(c[i].fd, c[i].s))
				gone = true;
			if (gone) {
				h2_server_free(c[i].s);
				close(c[i].fd);
				c[i--] = c[--nc];
			}
		}
	}
	for (int i = 0; i < nc; i++) {
		h2_server_free(c[i].s);
		close(c[i].fd);
	}
	close(lfd);
	return 0;
}

/* ---- client mode ---- */
struct res {
	bool done;
	int err, grpc;
	int64_t delay;
	char gmsg[128];
	uint8_t *msg;
	size_t len;
};

static void on_done(void *ud, const struct h2_call_result *r)
{
	struct res *x = ud;
	x->done = true;
	x->err = r->err;
	x->grpc = r->grpc_status;
	x->delay = r->retry_delay_ns;
	snprintf(x->gmsg, sizeof(x->gmsg), "%s", r->grpc_message);
	x->len = r->msg_len;
	if (r->msg_len) {
		x->msg = malloc(r->msg_len);
		memcpy(x->msg, r->msg, r->msg_len);
	}
}

/* Drive the client on fd until n results are done or max_ms pass. */
static bool pump_client(int fd, struct h2_client *c, struct res *r, int n, int max_ms)
{
	static uint8_t buf[256 * 1024];
	uint64_t end = h2p_now_ms() + (uint64_t)max_ms;

	while (h2p_now_ms() < end) {
		int left = 0;
		for (int i = 0; i < n; i++)
			left += !r[i].done;
		if (!left)
			return true;
		const uint8_t *d;
		ssize_t k;
		bool pend = false;
		while ((k = h2_client_out(c, &d)) > 0) {
			ssize_t w = write(fd, d, (size_t)k);
			if (w <= 0) {
				pend = true;
				break;
			}
			h2_client_sent(c, (size_t)w);
		}
		struct pollfd pf = { fd, (short)(POLLIN | (pend ? POLLOUT : 0)), 0 };
		poll(&pf, 1, 50);
		ssize_t got = read(fd, buf, sizeof(buf));
		if (got == 0)
			return false;
		if (got > 0 && h2_client_recv(c, buf, (size_t)got) < 0)
			return false;
	}
	return false;
}

static int32_t call(struct h2_client *c, const char *path, const uint8_t *m, size_t len, uint64_t timeout_ns,
		    struct res *r)
{
	struct h2_header md[] = { { "x-sluice-test", 13, "yes", 3 } };
	struct h2_call k = { .path = path,
			     .metadata = md,
			     .n_metadata = 1,
			     .msg = m,
			     .msg_len = len,
			     .timeout_ns = timeout_ns,
			     .done = on_done,
			     .ud = r };
	memset(r, 0, sizeof(*r));
	return h2_client_call(c, &k);
}

static int run_client(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok = 1;
	static struct res r[20];
	size_t big = 100 * 1024;
	uint8_t *msg = malloc(big);

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("interop_peer: connect");
		return 1;
	}
	set_nonblock(fd);
	char auth[32];
	snprintf(auth, sizeof(auth), "127.0.0.1:%d", port);
	struct h2_client_opts o = { .authority = auth };
	struct h2_client *c = h2_client_new(&o);
	for (size_t i = 0; i < big; i++)
		msg[i] = (uint8_t)(i * 31 + 7);

	call(c, "/test.Echo/Echo", msg, big, 5000000000ull, &r[0]);
	bool echo = pump_client(fd, c, r, 1, 10000) && r[0].err == 0 && r[0].grpc == 0 && r[0].len == big &&
		    memcmp(r[0].msg, msg, big) == 0;
	printf("echo %s\n", echo ? "ok" : "FAILED");
	ok &= echo;
	free(r[0].msg);

	call(c, "/test.Echo/Throttle", msg, 10, 0, &r[0]);
	pump_client(fd, c, r, 1, 10000);
	printf("throttle err=%d status=%d delay_ms=%lld msg=%s\n", r[0].err, r[0].grpc,
	       (long long)(r[0].delay / 1000000), r[0].gmsg);

	for (int i = 0; i < 20; i++)
		call(c, "/test.Echo/Echo", msg + i, 1000, 0, &r[i]);
	bool conc = pump_client(fd, c, r, 20, 10000);
	for (int i = 0; i < 20; i++) {
		conc &= r[i].err == 0 && r[i].len == 1000 && memcmp(r[i].msg, msg + i, 1000) == 0;
		free(r[i].msg);
	}
	printf("concurrent %s\n", conc ? "ok" : "FAILED");
	ok &= conc;

	int32_t id = call(c, "/test.Echo/Slow", msg, 10, 200000000ull, &r[0]);
	pump_client(fd, c, r, 1, 100);
	h2_client_cancel(c, id, -ETIMEDOUT);
	printf("cancel done=%d err=%d\n", r[0].done, r[0].err);

	call(c, "/test.Echo/Missing", msg, 1, 0, &r[0]);
	pump_client(fd, c, r, 1, 10000);
	printf("missing status=%d\n", r[0].grpc);

	h2_client_free(c);
	close(fd);
	free(msg);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "server") == 0)
		return run_server();
	if (argc >= 3 && strcmp(argv[1], "client") == 0)
		return run_client(atoi(argv[2]));
	fprintf(stderr, "usage: interop_peer server | interop_peer client PORT\n");
	return 2;
}
