/* Hostile and confused peers: a rapid-reset flood gets GOAWAY
 * (ENHANCE_YOUR_CALM) while the process lives on; garbage gets an error,
 * not a crash; an HTTP/1.1 client gets a plain HTTP/1.1 answer; oversized
 * headers reset only their stream; a client fed garbage fails its calls. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "h2_pump.h"
#include "net/grpc.h"
#include "net/h2.h"
#include "tests/check_run.h"

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

struct app {
	int nreq, naborted;
};

static void on_request(void *ud, struct h2_server *s, const struct h2_request *req)
{
	struct app *a = ud;
	a->nreq++;
	h2_server_respond_grpc(s, req->stream_id, 0, NULL, (const uint8_t *)"ok", 2, -1);
}

static void on_abort(void *ud, struct h2_server *s, int32_t id)
{
	(void)s, (void)id;
	((struct app *)ud)->naborted++;
}

static size_t frame_hdr(uint8_t *p, uint32_t len, uint8_t type, uint8_t flags, uint32_t id)
{
	p[0] = (uint8_t)(len >> 16);
	p[1] = (uint8_t)(len >> 8);
	p[2] = (uint8_t)len;
	p[3] = type;
	p[4] = flags;
	p[5] = (uint8_t)(id >> 24);
	p[6] = (uint8_t)(id >> 16);
	p[7] = (uint8_t)(id >> 8);
	p[8] = (uint8_t)id;
	return 9;
}

/* preface, empty SETTINGS, then n x (HEADERS :method POST :scheme http
 * :path / :authority a, RST_STREAM CANCEL). */
static size_t build_flood(uint8_t *buf, int n)
{
	static const uint8_t hpack[] = { 0x83, 0x86, 0x84, 0x01, 0x01, 'a' };
	size_t o = 0;

	memcpy(buf, preface, 24);
	o = 24;
	o += frame_hdr(buf + o, 0, 0x4, 0, 0);
	for (int i = 0; i < n; i++) {
		uint32_t id = 1 + 2 * (uint32_t)i;
		o += frame_hdr(buf + o, sizeof(hpack), 0x1, 0x4, id);
		memcpy(buf + o, hpack, sizeof(hpack));
		o += sizeof(hpack);
		o += frame_hdr(buf + o, 4, 0x3, 0, id);
		buf[o++] = 0, buf[o++] = 0, buf[o++] = 0, buf[o++] = 8;
	}
	return o;
}

/* Find a GOAWAY frame in what the server wrote; return its error code. */
static int64_t goaway_code(const uint8_t *p, size_t n)
{
	size_t o = 0;
	while (o + 9 <= n) {
		uint32_t len = (uint32_t)p[o] << 16 | (uint32_t)p[o + 1] << 8 | p[o + 2];
		if (p[o + 3] == 0x7 && o + 9 + len <= n && len >= 8)
			return (int64_t)((uint32_t)p[o + 13] << 24 | (uint32_t)p[o + 14] << 16 |
					 (uint32_t)p[o + 15] << 8 | p[o + 16]);
		o += 9 + len;
	}
	return -1;
}

static void raw_server(struct h2p *p, struct h2_server **s, struct app *a, const struct h2_server_limits *lim)
{
	struct h2_server_cbs cbs = { on_request, on_abort };
	memset(a, 0, sizeof(*a));
	*s = h2_server_new(lim, &cbs, a);
	ck_assert_ptr_nonnull(*s);
	ck_assert_int_eq(h2p_open(p, *s, NULL), 0);
}

START_TEST(rapid_reset_flood_gets_goaway)
{
	struct h2p p;
	struct h2_server *s;
	struct app a;
	size_t cap = 24 + 9 + 1000 * (9 + 6 + 9 + 4);
	uint8_t *buf = malloc(cap), *in = malloc(1 << 16);

	raw_server(&p, &s, &a, NULL);
	size_t len = build_flood(buf, 1000);
	h2p_write_raw(&p, p.cfd, buf, len, 10000);
	h2p_run(&p, NULL, NULL, 3000);
	ck_assert_int_eq(p.srv_rc, -EPROTO);
	ck_assert(h2_server_closing(s));
	ck_assert_ptr_nonnull(strstr(h2_server_error(s), "rapid reset"));
	size_t got = h2p_read_raw(&p, p.cfd, in, 1 << 16, 2000);
	ck_assert_int_eq(goaway_code(in, got), 11); /* ENHANCE_YOUR_CALM */
	h2_server_free(s);
	h2p_close(&p);

	/* under the limit, resets are normal traffic */
	raw_server(&p, &s, &a, NULL);
	len = build_flood(buf, 50);
	h2p_write_raw(&p, p.cfd, buf, len, 10000);
	h2p_run(&p, NULL, NULL, 3000);
	ck_assert_int_eq(p.srv_rc, 0);
	ck_assert(!h2_server_closing(s));
	h2_server_free(s);
	h2p_close(&p);
	free(buf);
	free(in);
}
END_TEST

START_TEST(garbage_is_an_error_not_a_crash)
{
	struct h2p p;
	struct h2_server *s;
	struct app a;
	uint8_t junk[4096], in[4096];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	/* garbage instead of a preface */
	raw_server(&p, &s, &a, NULL);
	h2p_write_raw(&p, p.cfd, junk, sizeof(junk), 5000);
	h2p_run(&p, NULL, NULL, 2000);
	ck_assert_int_eq(p.srv_rc, -EPROTO);
	ck_assert(h2_server_closing(s));
	ck_assert_ptr_nonnull(strstr(h2_server_error(s), "preface"));
	size_t got = h2p_read_raw(&p, p.cfd, in, sizeof(in), 2000);
	ck_assert_int_eq(goaway_code(in, got), 1); /* PROTOCOL_ERROR */
	h2_server_free(s);
	h2p_close(&p);

	/* after a valid preface and SETTINGS: a DATA frame on stream 0, junk */
	raw_server(&p, &s, &a, NULL);
	memcpy(junk, preface, 24);
	frame_hdr(junk + 24, 0, 0x4, 0, 0);
	frame_hdr(junk + 33, 100, 0x0, 0, 0);
	h2p_write_raw(&p, p.cfd, junk, sizeof(junk), 5000);
	h2p_run(&p, NULL, NULL, 2000);
	ck_assert_int_eq(p.srv_rc, -EPROTO);
	ck_assert(h2_server_closing(s));
	ck_assert_int_eq(a.nreq, 0);
	h2_server_free(s);
	h2p_close(&p);
}
END_TEST

START_TEST(http1_on_the_h2_port)
{
	struct h2p p;
	struct h2_server *s;
	struct app a;
	char in[2048];
	const char req[] = "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";

	raw_server(&p, &s, &a, NULL);
	h2p_write_raw(&p, p.cfd, req, sizeof(req) - 1, 5000);
	h2p_run(&p, NULL, NULL, 2000);
	ck_assert_int_eq(p.srv_rc, -EPROTONOSUPPORT);
	ck_assert(h2_server_closing(s));
	ck_assert_ptr_nonnull(strstr(h2_server_error(s), "HTTP/1"));
	size_t got = h2p_read_raw(&p, p.cfd, in, sizeof(in) - 1, 2000);
	in[got] = 0;
	/* a clean HTTP/1.1 answer and nothing binary before it */
	ck_assert_int_eq(strncmp(in, "HTTP/1.1 505 ", 13), 0);
	ck_assert_ptr_nonnull(strstr(in, "HTTP/2 only"));
	ck_assert_int_eq(a.nreq, 0);
	h2_server_free(s);
	h2p_close(&p);
}
END_TEST

struct res {
	bool done;
	int err, grpc;
};

static void on_done(void *ud, const struct h2_call_result *r)
{
	struct res *x = ud;
	x->done = true;
	x->err = r->err;
	x->grpc = r->grpc_status;
}

static bool res_done(void *arg)
{
	return ((struct res *)arg)->done;
}

START_TEST(oversized_headers_reset_only_that_stream)
{
	struct h2p p;
	struct app a = { 0 };
	struct h2_server_cbs cbs = { on_request, on_abort };
	struct h2_server_limits lim = { .max_header_list = 4096 };
	struct h2_server *s = h2_server_new(&lim, &cbs, &a);
	struct h2_client_opts o = { .authority = "127.0.0.1" };
	struct h2_client *c = h2_client_new(&o);
	static char big[8000];
	struct res r = { 0 };

	memset(big, 'v', sizeof(big));
	ck_assert_int_eq(h2p_open(&p, s, c), 0);
	struct h2_header md[] = { { "x-big", 5, big, sizeof(big) } };
	struct h2_call call = { .path = "/p",
				.metadata = md,
				.n_metadata = 1,
				.msg = (const uint8_t *)"m",
				.msg_len = 1,
				.done = on_done,
				.ud = &r };
	ck_assert_int_gt(h2_client_call(c, &call), 0);
	ck_assert(h2p_run(&p, res_done, &r, 5000));
	ck_assert_int_eq(r.err, -ECONNRESET);
	ck_assert_int_eq(a.nreq, 0);
	ck_assert(!h2_server_closing(s));
	/* the next call on the same connection works */
	memset(&r, 0, sizeof(r));
	call.n_metadata = 0;
	ck_assert_int_gt(h2_client_call(c, &call), 0);
	ck_assert(h2p_run(&p, res_done, &r, 5000));
	ck_assert_int_eq(r.err, 0);
	ck_assert_int_eq(r.grpc, 0);
	ck_assert_int_eq(a.nreq, 1);
	h2_client_free(c);
	h2_server_free(s);
	h2p_close(&p);
}
END_TEST

START_TEST(client_fed_garbage_fails_its_calls)
{
	struct h2p p;
	struct h2_client_opts o = { .authority = "127.0.0.1" };
	struct h2_client *c = h2_client_new(&o);
	struct res r = { 0 };
	uint8_t junk[512];

	ck_assert_int_eq(h2p_open(&p, NULL, c), 0);
	struct h2_call call = {
		.path = "/p", .msg = (const uint8_t *)"m", .msg_len = 1, .done = on_done, .ud = &r
	};
	ck_assert_int_gt(h2_client_call(c, &call), 0);
	h2p_run(&p, NULL, NULL, 1000);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 3);
	h2p_write_raw(&p, p.sfd, junk, sizeof(junk), 2000);
	ck_assert(h2p_run(&p, res_done, &r, 5000));
	ck_assert_int_eq(r.err, -ECONNRESET);
	ck_assert_int_eq(p.cli_rc, -EPROTO);
	ck_assert(h2_client_closing(c));
	h2_client_free(c);
	h2p_close(&p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("h2_abuse");
	TCase *tc = tcase_create("abuse");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, rapid_reset_flood_gets_goaway);
	tcase_add_test(tc, garbage_is_an_error_not_a_crash);
	tcase_add_test(tc, http1_on_the_h2_port);
	tcase_add_test(tc, oversized_headers_reset_only_that_stream);
	tcase_add_test(tc, client_fed_garbage_fails_its_calls);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
