/* tb.c: protobuf-c based builders for stage tests. */
#include "tests/stages/tb.h"

#include <stdlib.h>
#include <string.h>

typedef Opentelemetry__Proto__Trace__V1__ScopeSpans TbSs;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope TbScope;
typedef Opentelemetry__Proto__Resource__V1__Resource TbRes;
typedef Opentelemetry__Proto__Trace__V1__Status TbStatus;
typedef Opentelemetry__Proto__Common__V1__ArrayValue TbArr;

void tb_trace_id(uint64_t trace, uint8_t id[16])
{
	uint64_t x = trace * 0x9e3779b97f4a7c15ull + 1;
	for (int i = 0; i < 16; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		id[i] = (uint8_t)x;
	}
}

/* Storage for one pack call (freed at the end of it). */
struct tb_mem {
	void *p[65536];
	int n;
};

static void *tb_alloc(struct tb_mem *m, size_t size)
{
	void *p = calloc(1, size);
	if (!p || m->n >= 65536)
		abort();
	m->p[m->n++] = p;
	return p;
}

static TbKv **tb_kvs(struct tb_mem *m, const struct tb_attr *a, size_t *n)
{
	size_t k = 0;
	while (a && a[k].key)
		k++;
	*n = k;
	TbKv **v = tb_alloc(m, (k + 1) * sizeof *v);
	for (size_t i = 0; i < k; i++) {
		TbKv *kv = tb_alloc(m, sizeof *kv);
		opentelemetry__proto__common__v1__key_value__init(kv);
		kv->key = (char *)a[i].key;
		TbAny *av = tb_alloc(m, sizeof *av);
		opentelemetry__proto__common__v1__any_value__init(av);
		switch (a[i].type) {
		case 's':
			av->value_case = TB_STR;
			av->string_value = (char *)a[i].s;
			break;
		case 'i':
			av->value_case = TB_INT;
			av->int_value = a[i].i;
			break;
		case 'd':
			av->value_case = TB_DOUBLE;
			av->double_value = a[i].d;
			break;
		case 'b':
			av->value_case = TB_BOOL;
			av->bool_value = a[i].b;
			break;
		case 'y':
			av->value_case = TB_BYTES;
			av->bytes_value.data = (uint8_t *)a[i].s;
			av->bytes_value.len = strlen(a[i].s);
			break;
		case 'a': {
			TbArr *arr = tb_alloc(m, sizeof *arr);
			opentelemetry__proto__common__v1__array_value__init(arr);
			arr->n_values = 2;
			arr->values = tb_alloc(m, 2 * sizeof *arr->values);
			for (int j = 0; j < 2; j++) {
				TbAny *e = tb_alloc(m, sizeof *e);
				opentelemetry__proto__common__v1__any_value__init(e);
				e->value_case = TB_STR;
				e->string_value = (char *)a[i].s;
				arr->values[j] = e;
			}
			av->value_case = TB_ARRAY;
			av->array_value = arr;
			break;
		}
		default:
			abort();
		}
		kv->value = av;
		v[i] = kv;
	}
	return v;
}

uint8_t *tb_pack(const struct tb_attr *res, const struct tb_span *spans, int n, size_t *len)
{
	struct tb_mem *m = calloc(1, sizeof *m);
	TbRs rs = OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT;
	TbRes r = OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
	r.attributes = tb_kvs(m, res, &r.n_attributes);
	rs.resource = &r;
	rs.schema_url = "https://opentelemetry.io/schemas/1.21.0";
	int nscopes = 0;
	for (int i = 0; i < n; i++)
		if (spans[i].scope + 1 > nscopes)
			nscopes = spans[i].scope + 1;
	TbSs ss[4];
	TbScope sc[4];
	TbSs *ssp[4];
	static const char *names[] = { "scope0", "scope1", "scope2", "scope3" };
	for (int s = 0; s < nscopes; s++) {
		opentelemetry__proto__trace__v1__scope_spans__init(&ss[s]);
		opentelemetry__proto__common__v1__instrumentation_scope__init(&sc[s]);
		sc[s].name = (char *)names[s];
		sc[s].version = "1.0";
		ss[s].scope = &sc[s];
		ss[s].spans = tb_alloc(m, (size_t)(n + 1) * sizeof(TbSpan *));
		ssp[s] = &ss[s];
	}
	for (int i = 0; i < n; i++) {
		const struct tb_span *t = &spans[i];
		TbSpan *sp = tb_alloc(m, sizeof *sp);
		opentelemetry__proto__trace__v1__span__init(sp);
		uint8_t *tid = tb_alloc(m, 16), *sid = tb_alloc(m, 8);
		tb_trace_id(t->trace ? t->trace : (uint64_t)i + 1, tid);
		for (int j = 0; j < 8; j++)
			sid[j] = (uint8_t)(i + j + 1);
		sp->trace_id.data = tid;
		sp->trace_id.len = 16;
		sp->span_id.data = sid;
		sp->span_id.len = 8;
		sp->name = (char *)(t->name ? t->name : "");
		sp->kind = t->kind;
		sp->start_time_unix_nano = t->start;
		sp->end_time_unix_nano = t->end;
		sp->attributes = tb_kvs(m, t->attrs, &sp->n_attributes);
		if (t->status) {
			TbStatus *st = tb_alloc(m, sizeof *st);
			opentelemetry__proto__trace__v1__status__init(st);
			st->code = t->status;
			sp->status = st;
		}
		TbSs *s = &ss[t->scope];
		s->spans[s->n_spans++] = sp;
	}
	rs.scope_spans = ssp;
	rs.n_scope_spans = (size_t)nscopes;
	*len = opentelemetry__proto__trace__v1__resource_spans__get_packed_size(&rs);
	uint8_t *buf = malloc(*len ? *len : 1);
	opentelemetry__proto__trace__v1__resource_spans__pack(&rs, buf);
	for (int i = 0; i < m->n; i++)
		free(m->p[i]);
	free(m);
	return buf;
}

TbRs *tb_unpack(const uint8_t *p, size_t len)
{
	return opentelemetry__proto__trace__v1__resource_spans__unpack(NULL, len, p);
}

void tb_free(TbRs *rs)
{
	if (rs)
		opentelemetry__proto__trace__v1__resource_spans__free_unpacked(rs, NULL);
}

size_t tb_spans(TbRs *rs, TbSpan ***out)
{
	static TbSpan *all[4096];
	size_t n = 0;
	for (size_t s = 0; s < rs->n_scope_spans; s++)
		for (size_t i = 0; i < rs->scope_spans[s]->n_spans && n < 4096; i++)
			all[n++] = rs->scope_spans[s]->spans[i];
	*out = all;
	return n;
}

const TbAny *tb_attr(TbKv **kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kv[i]->key, key))
			return kv[i]->value;
	return NULL;
}

size_t tb_count(TbKv **kv, size_t n, const char *key)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += !strcmp(kv[i]->key, key);
	return c;
}
