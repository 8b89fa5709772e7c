/* h2_server and h2_client talking to each other over a real socketpair:
 * unary round trip, gzip flag, large messages, concurrent streams and the
 * stream limit, body-size refusal, throttling with RetryInfo, deadlines
 * (cancel), asynchronous answers, graceful shutdown. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "h2_pump.h"
#include "net/grpc.h"
#include "net/h2.h"
#include "tests/check_run.h"

#define EXPORT_PATH "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
#define MAX_HELD 256

enum mode {
	ECHO,
	HOLD,
	THROTTLE
};

struct app {
	enum mode mode;
	int nreq, naborted;
	char path[128], ctype[64], genc[16], gtimeout[16], apikey[32];
	bool compressed;
	int frame_rc;
	size_t msg_len;
	int32_t held[MAX_HELD];
	const uint8_t *held_msg[MAX_HELD];
	size_t held_len[MAX_HELD];
	int nheld;
	int32_t aborted_id;
};

static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	n = n < cap - 1 ? n : cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

static void on_request(void *ud, struct h2_server *s, const struct h2_request *req)
{
	struct app *a = ud;
	const uint8_t *msg = NULL;
	size_t ml = 0;

	a->nreq++;
	copy_str(a->path, sizeof(a->path), req->path);
	copy_str(a->ctype, sizeof(a->ctype), req->content_type);
	copy_str(a->genc, sizeof(a->genc), req->grpc_encoding);
	copy_str(a->gtimeout, sizeof(a->gtimeout), req->grpc_timeout);
	for (size_t i = 0; i < req->n_headers; i++)
		if (strcmp(req->headers[i].name, "x-api-key") == 0)
			copy_str(a->apikey, sizeof(a->apikey), req->headers[i].value);
	a->frame_rc = grpc_frame_unary(req->body, req->body_len, &msg, &ml, &a->compressed);
	a->msg_len = ml;
	switch (a->mode) {
	case ECHO:
		ck_assert_int_eq(h2_server_respond_grpc(s, req->stream_id, GRPC_STATUS_OK, NULL, msg, ml, -1),
				 0);
		break;
	case THROTTLE:
		ck_assert_int_eq(h2_server_respond_grpc(s, req->stream_id, GRPC_STATUS_RESOURCE_EXHAUSTED,
							"ring full: 100% busy\n", NULL, 0, 1500000000ll),
				 0);
		break;
	case HOLD:
		ck_assert_int_lt(a->nheld, MAX_HELD);
		a->held[a->nheld] = req->stream_id;
		a->held_msg[a->nheld] = msg;
		a->held_len[a->nheld] = ml;
		a->nheld++;
		break;
	}
}

static void on_abort(void *ud, struct h2_server *s, int32_t id)
{
	struct app *a = ud;
	(void)s;
	a->naborted++;
	a->aborted_id = id;
}

struct res {
	bool done;
	int err, http, grpc;
	int64_t delay;
	char gmsg[128], ctype[64];
	uint8_t *msg;
	size_t msg_len;
	bool msg_null, comp;
};

static void on_done(void *ud, const struct h2_call_result *r)
{
	struct res *x = ud;
	ck_assert(!x->done); /* exactly once */
	x->done = true;
	x->err = r->err;
	x->http = r->http_status;
	x->grpc = r->grpc_status;
	x->delay = r->retry_delay_ns;
	copy_str(x->gmsg, sizeof(x->gmsg), r->grpc_message);
	copy_str(x->ctype, sizeof(x->ctype), r->content_type);
	x->msg_null = r->msg == NULL;
	x->comp = r->msg_compressed;
	x->msg_len = r->msg_len;
	if (r->msg_len) {
		x->msg = malloc(r->msg_len);
		memcpy(x->msg, r->msg, r->msg_len);
	}
}

static bool res_done(void *arg)
{
	return ((struct res *)arg)->done;
}

struct fixture {
	struct app app;
	struct h2_server *s;
	struct h2_client *c;
	struct h2p p;
};

static void setup(struct fixture *f, const struct h2_server_limits *lim, const struct h2_client_opts *co,
		  enum mode mode)
{
	memset(f, 0, sizeof(*f));
	f->app.mode = mode;
	struct h2_server_cbs cbs = { on_request, on_abort };
	f->s = h2_server_new(lim, &cbs, &f->app);
	struct h2_client_opts o = { .authority = "127.0.0.1:4317" };
	f->c = h2_client_new(co ? co : &o);
	ck_assert_ptr_nonnull(f->s);
	ck_assert_ptr_nonnull(f->c);
	ck_assert_int_eq(h2p_open(&f->p, f->s, f->c), 0);
	h2p_run(&f->p, NULL, NULL, 2000); /* exchange SETTINGS */
}

static void teardown(struct fixture *f)
{
	h2_client_free(f->c);
	h2_server_free(f->s);
	h2p_close(&f->p);
}

static int32_t start(struct fixture *f, struct res *r, const uint8_t *msg, size_t len, bool comp,
		     uint64_t timeout_ns)
{
	struct h2_header md[] = { { "x-api-key", 9, "secret", 6 } };
	struct h2_call call = { .path = EXPORT_PATH,
				.metadata = md,
				.n_metadata = 1,
				.msg = msg,
				.msg_len = len,
				.compressed = comp,
				.timeout_ns = timeout_ns,
				.done = on_done,
				.ud = r };
	memset(r, 0, sizeof(*r));
	return h2_client_call(f->c, &call);
}

static void res_free(struct res *r)
{
	free(r->msg);
	r->msg = NULL;
}

START_TEST(unary_round_trip)
{
	struct fixture f;
	struct res r;
	const uint8_t msg[] = "\x0a\x03span";

	setup(&f, NULL, NULL, ECHO);
	ck_assert_int_gt(start(&f, &r, msg, sizeof(msg), false, 2000000000ull), 0);
	ck_assert(h2p_run(&f.p, res_done, &r, 5000));
	ck_assert_int_eq(r.err, 0);
	ck_assert_int_eq(r.http, 200);
	ck_assert_int_eq(r.grpc, GRPC_STATUS_OK);
	ck_assert_str_eq(r.ctype, "application/grpc");
	ck_assert_uint_eq(r.msg_len, sizeof(msg));
	ck_assert_mem_eq(r.msg, msg, sizeof(msg));
	ck_assert_int_eq(r.delay, -1);
	/* what the server saw */
	ck_assert_int_eq(f.app.nreq, 1);
	ck_assert_str_eq(f.app.path, EXPORT_PATH);
	ck_assert_str_eq(f.app.ctype, "application/grpc");
	ck_assert_str_eq(f.app.genc, "");
	ck_assert_str_eq(f.app.gtimeout, "2S");
	ck_assert_str_eq(f.app.apikey, "secret");
	ck_assert_int_eq(f.app.frame_rc, 0);
	ck_assert(!f.app.compressed);
	ck_assert_uint_eq(h2_server_pending(f.s), 0);
	ck_assert(!h2_server_closing(f.s));
	ck_assert(!h2_client_closing(f.c));
	res_free(&r);
	teardown(&f);
}
END_TEST

START_TEST(gzip_flag)
{
	struct fixture f;
	struct res r;
	const uint8_t msg[] = "\x1f\x8b pretend gzip";

	setup(&f, NULL, NULL, ECHO);
	ck_assert_int_gt(start(&f, &r, msg, sizeof(msg), true, 0), 0);
	ck_assert(h2p_run(&f.p, res_done, &r, 5000));
	ck_assert_int_eq(r.err, 0);
	ck_assert_str_eq(f.app.genc, "gzip");
	ck_assert(f.app.compressed);
	ck_assert_str_eq(f.app.gtimeout, "");
	res_free(&r);
	teardown(&f);
}
END_TEST

START_TEST(large_message_many_frames)
{
	struct fixture f;
	struct res r;
	size_t len = 3 * 1024 * 1024 + 17;
	uint8_t *msg = malloc(len);

	for (size_t i = 0; i < len; i++)
		msg[i] = (uint8_t)(i * 2654435761u >> 13);
	setup(&f, NULL, NULL, ECHO);
	ck_assert_int_gt(start(&f, &r, msg, len, false, 0), 0);
	ck_assert(h2p_run(&f.p, res_done, &r, 30000));
	ck_assert_int_eq(r.err, 0);
	ck_assert_int_eq(r.grpc, 0);
	ck_assert_uint_eq(f.app.msg_len, len);
	ck_assert_uint_eq(r.msg_len, len);
	ck_assert(memcmp(r.msg, msg, len) == 0);
	/* more than one 64 KiB DATA frame each way */
	ck_assert_uint_gt(f.p.bytes_c2s, len);
	ck_assert_uint_gt(f.p.bytes_s2c, len);
	res_free(&r);
	free(msg);
	teardown(&f);
}
END_TEST

struct many {
	struct res r[64];
	int n;
};

static bool all_done(void *arg)
{
	struct many *m = arg;
	for (int i = 0; i < m->n; i++)
		if (!m->r[i].done)
			return false;
	return true;
}

static bool held_n(void *arg)
{
	struct fixture *f = arg;
	return f->app.nheld >= 50;
}

START_TEST(concurrent_streams_one_connection)
{
	struct fixture f;
	static struct many m;
	uint8_t msgs[50][8];

	setup(&f, NULL, NULL, HOLD);
	m.n = 50;
	for (int i = 0; i < 50; i++) {
		memset(msgs[i], 'a' + i % 26, sizeof(msgs[i]));
		msgs[i][0] = (uint8_t)i;
		ck_assert_int_gt(start(&f, &m.r[i], msgs[i], sizeof(msgs[i]), false, 0), 0);
	}
	ck_assert_uint_eq(h2_client_inflight(f.c), 50);
	/* all 50 are open at the server at once */
	ck_assert(h2p_run(&f.p, held_n, &f, 10000));
	ck_assert_uint_eq(h2_server_pending(f.s), 50);
	/* answer in reverse order, echoing each stream's own message */
	for (int i = 49; i >= 0; i--)
		ck_assert_int_eq(h2_server_respond_grpc(f.s, f.app.held[i], 0, NULL, f.app.held_msg[i],
							f.app.held_len[i], -1),
				 0);
	ck_assert(h2p_run(&f.p, all_done, &m, 10000));
	for (int i = 0; i < 50; i++) {
		ck_assert_int_eq(m.r[i].err, 0);
		ck_assert_int_eq(m.r[i].grpc, 0);
		ck_assert_uint_eq(m.r[i].msg_len, sizeof(msgs[i]));
		ck_assert_mem_eq(m.r[i].msg, msgs[i], sizeof(msgs[i]));
		res_free(&m.r[i]);
	}
	ck_assert_uint_eq(h2_client_inflight(f.c), 0);
	teardown(&f);
}
END_TEST

START_TEST(stream_limit_from_settings)
{
	struct fixture f;
	static struct many m;
	struct h2_server_limits lim = { .max_concurrent_streams = 4 };
	uint8_t msg[4] = "abcd";

	setup(&f, &lim, NULL, HOLD);
	ck_assert_uint_eq(h2_client_slots(f.c), 4);
	m.n = 4;
	for (int i = 0; i < 4; i++)
		ck_assert_int_gt(start(&f, &m.r[i], msg, 4, false, 0), 0);
	struct res extra;
	ck_assert_int_eq(start(&f, &extra, msg, 4, false, 0), -EAGAIN);
	ck_assert_uint_eq(h2_client_slots(f.c), 0);
	h2p_run(&f.p, NULL, NULL, 2000);
	ck_assert_int_eq(f.app.nheld, 4);
	ck_assert_int_eq(h2_server_respond_grpc(f.s, f.app.held[0], 0, NULL, msg, 4, -1), 0);
	h2p_run(&f.p, all_done, &m, 300); /* only the first completes */
	ck_assert(m.r[0].done);
	ck_assert_uint_eq(h2_client_slots(f.c), 1);
	ck_assert_int_gt(start(&f, &extra, msg, 4, false, 0), 0);
	for (int i = 1; i < 4; i++)
		h2_server_respond_grpc(f.s, f.app.held[i], 0, NULL, msg, 4, -1);
	h2p_run(&f.p, NULL, NULL, 2000);
	ck_assert_int_eq(f.app.nheld, 5);
	h2_server_respond_grpc(f.s, f.app.held[4], 0, NULL, msg, 4, -1);
	ck_assert(h2p_run(&f.p, res_done, &extra, 5000));
	ck_assert(all_done(&m));
	for (int i = 0; i < 4; i++)
		res_free(&m.r[i]);
	res_free(&extra);
	teardown(&f);
}
END_TEST

START_TEST(max_body_refused_then_connection_still_works)
{
	struct fixture f;
	struct res r;
	struct h2_server_limits lim = { .max_body = 64 * 1024 };
	size_t len = 200 * 1024;
	uint8_t *msg = calloc(1, len);

	setup(&f, &lim, NULL, ECHO);
	ck_assert_int_gt(start(&f, &r, msg, len, false, 0), 0);
	ck_assert(h2p_run(&f.p, res_done, &r, 10000));
	ck_assert_int_eq(r.err, 0);
	ck_assert_int_eq(r.http, 200);
	ck_assert_int_eq(r.grpc, GRPC_STATUS_RESOURCE_EXHAUSTED);
	ck_assert_ptr_nonnull(strstr(r.gmsg, "exceeds the limit of 65536 bytes"));
	ck_assert_int_eq(f.app.nreq, 0); /* never delivered */
	ck_assert(!h2_server_closing(f.s));
	/* the same connection still serves calls */
	ck_assert_int_gt(start(&f, &r, msg, 1000, false, 0), 0);
	ck_assert(h2p_run(&f.p, res_done, &r, 5000));
	ck_assert_int_eq(r.err, 0);
	ck_assert_int_eq(r.grpc, 0);
	ck_assert_int_eq(f.app.nreq, 1);
	res_free(&r);
	free(msg);
	teardown(&f);
}
END_TEST

static bool held_1(void *arg)
{
	return ((struct fixture *)arg)->app.nheld >= 1;
}

static bool held_2(void *arg)
{
	return ((struct fixture *)arg)->app.nheld >= 2;
}

START_TEST(connection_buffer_budget)
{
	struct fixture f;
	struct res a, b, c;
	struct h2_server_limits lim = { .max_body = 64 * 1024, .max_buffered = 100 * 1024 };
	size_t len = 60 * 1024;
	uint8_t *msg = calloc(1, len);

	setup(&f, &lim, NULL, HOLD);
	ck_assert_int_gt(start(&f, &a, msg, len, false, 0), 0);
	ck_assert(h2p_run(&f.p, held_1, &f, 5000)); /* A holds 60 KiB, unanswered */
	ck_assert_int_gt(start(&f, &b, msg, len, false, 0), 0);
	ck_assert(h2p_run(&f.p, res_done, &b, 5000));
	ck_assert_int_eq(b.err, 0);
	ck_assert_int_eq(b.grpc, GRPC_STATUS_RESOURCE_EXHAUSTED);
	ck_assert_int_eq(b.delay, 1000000000ll); /* retryable: RetryInfo */
	ck_assert_ptr_nonnull(strstr(b.gmsg, "server busy"));
	ck_assert_int_eq(f.app.nheld, 1);
	/* once A is answered its bytes are released and C fits */
	ck_assert_int_eq(h2_server_respond_grpc(f.s, f.app.held[0], 0, NULL, NULL, 0, -1), 0);
	ck_assert(h2p_run(&f.p, res_done, &a, 5000));
	ck_assert_int_gt(start(&f, &c, msg, len, false, 0), 0);
	ck_assert(h2p_run(&f.p, held_2, &f, 5000));
	ck_assert_uint_eq(f.app.msg_len, len);
	free(msg);
	teardown(&f);
}
END_TEST

START_TEST(throttle_with_retry_info)
{
	struct fixture f;
	struct res r;
	const uint8_t msg[] = "x";

	setup(&f, NULL, NULL, THROTTLE);
	ck_assert_int_gt(start(&f, &r, msg, 1, false, 0), 0);
	ck_assert(h2p_run(&f.p, res_done, &r, 5000));
	ck_assert_int_eq(r.err, 0);
	ck_assert_int_eq(r.http, 200);
	ck_assert_int_eq(r.grpc, GRPC_STATUS_RESOURCE_EXHAUSTED);
	ck_assert_str_eq(r.gmsg, "ring full: 100% busy\n"); /* percent-decoded */
	ck_assert_int_eq(r.delay, 1500000000ll);
	ck_assert(r.msg_null); /* trailers-only */
	ck_assert(grpc_status_retryable(r.grpc, r.delay >= 0));
	teardown(&f);
}
END_TEST

START_TEST(deadline_cancel_aborts_server_stream)
{
	struct fixture f;
	struct res r;
	const uint8_t msg[] = "slow";

	setup(&f, NULL, NULL, HOLD);
	int32_t id = start(&f, &r, msg, 4, false, 50000000ull);
	ck_assert_int_gt(id, 0);
	h2p_run(&f.p, NULL, NULL, 2000);
	ck_assert_int_eq(f.app.nheld, 1);
	ck_assert_str_eq(f.app.gtimeout, "50m");
	/* the caller's timer fired */
	ck_assert_int_eq(h2_client_cancel(f.c, id, -ETIMEDOUT), 0);
	ck_assert(r.done);
	ck_assert_int_eq(r.err, -ETIMEDOUT);
	ck_assert_int_eq(h2_client_cancel(f.c, id, -ETIMEDOUT), -ENOENT);
	h2p_run(&f.p, NULL, NULL, 2000);
	ck_assert_int_eq(f.app.naborted, 1);
	ck_assert_int_eq(f.app.aborted_id, f.app.held[0]);
	ck_assert_uint_eq(h2_server_pending(f.s), 0);
	ck_assert_int_eq(h2_server_respond_grpc(f.s, f.app.held[0], 0, NULL, msg, 4, -1), -ENOENT);
	ck_assert(!h2_server_closing(f.s));
	teardown(&f);
}
END_TEST

START_TEST(graceful_shutdown_finishes_in_flight)
{
	struct fixture f;
	struct res r, r2;
	const uint8_t msg[] = "drain";

	setup(&f, NULL, NULL, HOLD);
	ck_assert_int_gt(start(&f, &r, msg, 5, false, 0), 0);
	h2p_run(&f.p, NULL, NULL, 2000);
	ck_assert_int_eq(f.app.nheld, 1);
	h2_server_shutdown(f.s);
	h2p_run(&f.p, NULL, NULL, 2000);
	ck_assert(h2_client_closing(f.c));
	ck_assert_int_eq(start(&f, &r2, msg, 5, false, 0), -ENOTCONN);
	ck_assert(!h2_server_closing(f.s)); /* one stream still in flight */
	ck_assert_int_eq(h2_server_respond_grpc(f.s, f.app.held[0], 0, NULL, msg, 5, -1), 0);
	ck_assert(h2p_run(&f.p, res_done, &r, 5000));
	ck_assert_int_eq(r.err, 0);
	ck_assert_int_eq(r.grpc, 0);
	h2p_run(&f.p, NULL, NULL, 2000);
	ck_assert(h2_server_closing(f.s));
	res_free(&r);
	teardown(&f);
}
END_TEST

START_TEST(free_with_calls_in_flight)
{
	struct fixture f;
	struct res r;
	const uint8_t msg[] = "x";

	setup(&f, NULL, NULL, HOLD);
	ck_assert_int_gt(start(&f, &r, msg, 1, false, 0), 0);
	h2p_run(&f.p, NULL, NULL, 2000);
	h2_server_free(f.s);
	f.s = NULL;
	ck_assert_int_eq(f.app.naborted, 1);
	h2_client_free(f.c);
	f.c = NULL;
	ck_assert(r.done);
	ck_assert_int_eq(r.err, -ECONNRESET);
	h2p_close(&f.p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("h2_conn");
	TCase *tc = tcase_create("conn");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, unary_round_trip);
	tcase_add_test(tc, gzip_flag);
	tcase_add_test(tc, large_message_many_frames);
	tcase_add_test(tc, concurrent_streams_one_connection);
	tcase_add_test(tc, stream_limit_from_settings);
	tcase_add_test(tc, max_body_refused_then_connection_still_works);
	tcase_add_test(tc, connection_buffer_budget);
	tcase_add_test(tc, throttle_with_retry_info);
	tcase_add_test(tc, deadline_cancel_aborts_server_stream);
	tcase_add_test(tc, graceful_shutdown_finishes_in_flight);
	tcase_add_test(tc, free_with_calls_in_flight);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
