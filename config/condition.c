/* config/condition.c: OTTL conditions as written (routing table, filter
 * OTTL form): the text, where it is in the file, and the mapping from an
 * offset in the text back to a file line and column through YAML quoting,
 * escapes and folded lines. Parsing is config/ottl.h's; it is called from
 * exactly one place, condition_compile() below. */
#include "config/loader.h"
#include "config/print.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/arena.h"
#include "config/ottl.h"

/* libyaml marks count characters; the source is UTF-8. */
static size_t char_to_byte(const char *src, size_t len, size_t cidx)
{
	size_t n = 0;

	for (size_t b = 0; b < len; b++) {
		if (((unsigned char)src[b] & 0xc0) == 0x80)
			continue;
		if (n++ == cidx)
			return b;
	}
	return len;
}

static size_t utf8_len(unsigned char c)
{
	return c < 0xc0 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
}

static size_t utf8_bytes_of(const char *hex, size_t n)
{
	unsigned long cp = 0;

	for (size_t i = 0; i < n; i++) {
		char h = hex[i];
		cp = cp * 16 + (unsigned long)(h >= 'a' ? h - 'a' + 10 : h >= 'A' ? h - 'A' + 10 : h - '0');
	}
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* Raw bytes an escape at r (r[0] == '\\') takes and the bytes it decodes to. */
static void escape_size(const char *r, size_t avail, size_t *raw, size_t *dec)
{
	char e = avail > 1 ? r[1] : 0;

	*raw = 2;
	*dec = 1;
	switch (e) {
	case 'x':
		*raw = 4;
		break;
	case 'u':
		*raw = 6;
		*dec = avail >= 6 ? utf8_bytes_of(r + 2, 4) : 1;
		break;
	case 'U':
		*raw = 10;
		*dec = avail >= 10 ? utf8_bytes_of(r + 2, 8) : 1;
		break;
	case 'N':
	case '_':
		*dec = 2;
		break;
	case 'L':
	case 'P':
		*dec = 3;
		break;
	default:
		break;
	}
	if (*raw > avail)
		*raw = avail;
}

/* Skips a line break at r[*i] and the next line's indentation. */
static void next_line(const char *r, size_t n, size_t *i, unsigned *line, unsigned *col)
{
	if (r[*i] == '\r' && *i + 1 < n && r[*i + 1] == '\n')
		(*i)++;
	(*i)++;
	(*line)++;
	*col = 1;
	while (*i < n && (r[*i] == ' ' || r[*i] == '\t')) {
		(*i)++;
		(*col)++;
	}
}

/* The file position of byte `target` of the scalar's decoded value. */
static void walk(const struct sluice_ottl *cond, size_t target, unsigned *line, unsigned *col)
{
	const char *r = cond->raw_;
	size_t n = cond->raw_len_, i = 0, d = 0;
	char style = cond->style_;

	*line = cond->line0_;
	*col = cond->col0_;
	if (style == '|' || style == '>') { /* skip the "|" header line */
		while (i < n && r[i] != '\n')
			i++;
		if (i < n)
			next_line(r, n, &i, line, col);
	}
	while (i < n && d < target) {
		size_t raw = utf8_len((unsigned char)r[i]), dec = raw;
		bool ascii_run = false; /* an escape or '': one column a raw byte */

		if (r[i] == '\n' || r[i] == '\r') {
			/* a folded break reads as one character (a space or "\n") */
			next_line(r, n, &i, line, col);
			d++;
			continue;
		}
		if (style == '"' && r[i] == '\\' && i + 1 < n && (r[i + 1] == '\n' || r[i + 1] == '\r')) {
			i++; /* an escaped line break decodes to nothing */
			next_line(r, n, &i, line, col);
			continue;
		}
		if (style == '\'' && r[i] == '\'' && i + 1 < n && r[i + 1] == '\'') {
			raw = 2, dec = 1, ascii_run = true;
		} else if (style == '"' && r[i] == '\\') {
			escape_size(r + i, n - i, &raw, &dec);
			ascii_run = true;
		}
		if (d + dec > target)
			break; /* target is inside this character or escape */
		i += raw;
		d += dec;
		*col += ascii_run ? (unsigned)raw : 1; /* a UTF-8 character is one column */
	}
}

void config_ottl_position(const struct sluice_ottl *cond, size_t k, unsigned *line, unsigned *col)
{
	if (!cond->raw_ || cond->style_ == 's') {
		*line = cond->line;
		*col = cond->col;
		return;
	}
	walk(cond, cond->off_ + k, line, col);
}

_Static_assert((int)SLUICE_OTTL_RESOURCE == (int)OTTL_CTX_RESOURCE &&
		       (int)SLUICE_OTTL_SPAN == (int)OTTL_CTX_SPAN &&
		       (int)SLUICE_OTTL_SPANEVENT == (int)OTTL_CTX_SPANEVENT &&
		       (int)SLUICE_OTTL_LOG == (int)OTTL_CTX_LOG &&
		       (int)SLUICE_OTTL_METRIC == (int)OTTL_CTX_METRIC &&
		       (int)SLUICE_OTTL_DATAPOINT == (int)OTTL_CTX_DATAPOINT,
	       "config's OTTL contexts are config/ottl.h's");

/* The one place conditions are parsed: a fault is reported at the file
 * position of the byte the parser stopped at. */
static int condition_compile(struct schema_ctx *c, struct sluice_ottl *cond, const char *path)
{
	const struct ottl_cond *parsed;
	struct ottl_error err;
	unsigned line, col;
	int rc;

	if (!cond->text[strspn(cond->text, " \t\r\n")])
		return schema_error_at(c, cond->line, cond->col, "%s: empty condition", path);
	rc = ottl_parse_arena(c->a, cond->text, strlen(cond->text), (enum ottl_context)cond->context, 0,
			      &parsed, &err);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		config_ottl_position(cond, err.pos, &line, &col);
		return schema_error_at(c, line, col, "%s: %s", path, err.msg);
	}
	cond->parsed = parsed;
	return 0;
}

/* Where the scalar's first content character is, and its source bytes. */
static void locate(struct schema_ctx *c, const struct ynode *v, struct sluice_ottl *cond)
{
	size_t start = c->src ? char_to_byte(c->src, c->src_len, v->index) : 0;
	size_t end = c->src ? char_to_byte(c->src, c->src_len, v->end_index) : 0;
	bool quoted = v->style == '\'' || v->style == '"';

	cond->line0_ = v->line;
	cond->col0_ = v->col + (quoted ? 1 : 0);
	cond->style_ = v->substituted ? 's' : v->style;
	if (!c->src || end <= start)
		return;
	if (quoted && end - start >= 2) {
		start++;
		end--;
	}
	cond->raw_ = c->src + start;
	cond->raw_len_ = end - start;
}

int condition_parse(struct schema_ctx *c, const struct ynode *v, enum sluice_ottl_context ctx, size_t off,
		    const char *path, struct sluice_ottl *cond)
{
	const char *text;
	int rc = schema_str(c, v, path, &text);

	if (rc < 0)
		return rc;
	memset(cond, 0, sizeof(*cond));
	cond->context = ctx;
	cond->quoted = v->quoted;
	cond->off_ = off;
	cond->text = text + off;
	locate(c, v, cond);
	if (cond->raw_ && cond->style_ != 's')
		walk(cond, off, &cond->line, &cond->col);
	else {
		cond->line = cond->line0_;
		cond->col = cond->col0_;
	}
	/* the raw bytes live in the caller's buffer: keep a copy */
	if (cond->raw_) {
		cond->raw_ = arena_strndup(c->a, cond->raw_, cond->raw_len_);
		if (!cond->raw_)
			return -ENOMEM;
	}
	return condition_compile(c, cond, path);
}

int condition_list_parse(struct schema_ctx *c, const struct ynode *v, enum sluice_ottl_context ctx,
			 const char *path, struct sluice_ottl_list *out)
{
	char p[300];
	int rc = schema_expect_seq(c, v, path);

	out->n = 0;
	if (rc < 0 || v->kind == YN_NULL)
		return rc;
	out->items = arena_calloc(c->a, v->n ? v->n : 1, sizeof(*out->items));
	if (!out->items)
		return -ENOMEM;
	for (size_t i = 0; i < v->n; i++) {
		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		rc = condition_parse(c, v->items[i], ctx, 0, p, &out->items[i]);
		if (rc < 0)
			return rc;
	}
	out->n = v->n;
	return 0;
}

void condition_list_print(struct printer *p, int indent, const char *key, const struct sluice_ottl_list *l)
{
	if (!l->n)
		return;
	pr_line(p, indent, "%s:\n", key);
	for (size_t i = 0; i < l->n; i++) {
		pr_line(p, indent, "  - ");
		pr_quoted(p, l->items[i].text, true);
		fputc('\n', p->f);
	}
}
