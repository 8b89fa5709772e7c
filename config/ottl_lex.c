/* config/ottl_lex.c: OTTL's tokens. Numbers, strings and names follow the
 * rules of OTTL's lexer and of the Go conversions behind it (strconv
 * Unquote, ParseInt base 0, ParseFloat), so a literal means here what it
 * means in a Collector. One difference: a backslash always escapes the
 * next character, where OTTL's string pattern can end a string early at
 * "\\\"". */
#include "config/ottl_priv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ottl_fail(struct ottl_parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;

	if (p->err->msg[0])
		return -EINVAL;
	p->err->pos = (uint32_t)pos;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

uint8_t *ottl_pool(struct ottl_parser *p, size_t n)
{
	if (n > p->pool_cap - p->pool_used) {
		ottl_fail(p, p->tok.pos, "condition too complex (string space exhausted)");
		return NULL;
	}
	uint8_t *r = p->pool + p->pool_used;
	p->pool_used += n;
	return r;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}
static bool is_lower(int c)
{
	return c >= 'a' && c <= 'z';
}
static bool is_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}
static bool is_word(int c)
{
	return is_lower(c) || is_upper(c) || is_digit(c) || c == '_';
}

static int hexval(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A character for a message: 'x', or \xHH when not printable. */
static const char *char_desc(int c, char *buf, size_t size)
{
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, size, "'%c'", c);
	else
		snprintf(buf, size, "'\\x%02x'", (unsigned)(c & 0xff));
	return buf;
}

static size_t put_utf8(uint8_t *o, uint32_t r)
{
	if (r < 0x80) {
		o[0] = (uint8_t)r;
		return 1;
	}
	if (r < 0x800) {
		o[0] = (uint8_t)(0xc0 | (r >> 6));
		o[1] = (uint8_t)(0x80 | (r & 0x3f));
		return 2;
	}
	if (r < 0x10000) {
		o[0] = (uint8_t)(0xe0 | (r >> 12));
		o[1] = (uint8_t)(0x80 | ((r >> 6) & 0x3f));
		o[2] = (uint8_t)(0x80 | (r & 0x3f));
		return 3;
	}
	o[0] = (uint8_t)(0xf0 | (r >> 18));
	o[1] = (uint8_t)(0x80 | ((r >> 12) & 0x3f));
	o[2] = (uint8_t)(0x80 | ((r >> 6) & 0x3f));
	o[3] = (uint8_t)(0x80 | (r & 0x3f));
	return 4;
}

/* One escape at s[i] == '\\' into o; returns the bytes it wrote, advances *i. */
static int lex_escape(struct ottl_parser *p, size_t *i, uint8_t *o)
{
	const char *s = p->text;
	size_t at = *i, n = 0;
	int c = at + 1 < p->len ? (unsigned char)s[at + 1] : -1;
	static const char simple[] = "a\ab\bf\fn\nr\rt\tv\v\\\\\"\"";

	for (size_t k = 0; k + 1 < sizeof simple; k += 2)
		if (c == simple[k]) {
			o[0] = (uint8_t)simple[k + 1];
			*i = at + 2;
			return 1;
		}
	if (c == 'x' || c == 'u' || c == 'U') {
		size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
		uint32_t r = 0;

		for (size_t k = 0; k < digits; k++) {
			int h = at + 2 + k < p->len ? hexval((unsigned char)s[at + 2 + k]) : -1;
			if (h < 0)
				return ottl_fail(p, at, "bad escape in string: \\%c needs %zu hex digits", c,
						 digits);
			r = r << 4 | (uint32_t)h;
		}
		*i = at + 2 + digits;
		if (c == 'x') {
			o[0] = (uint8_t)r;
			return 1;
		}
		if (r > 0x10ffff || (r >= 0xd800 && r < 0xe000))
			return ottl_fail(p, at, "bad escape in string: \\%c%0*X is not a Unicode code point",
					 c, (int)digits, r);
		return (int)put_utf8(o, r);
	}
	if (c >= '0' && c <= '7') {
		uint32_t r = 0;

		for (n = 0; n < 3; n++) {
			int d = at + 1 + n < p->len ? (unsigned char)s[at + 1 + n] : -1;
			if (d < '0' || d > '7')
				return ottl_fail(p, at,
						 "bad escape in string: octal escapes need 3 digits (\\ooo)");
			r = r << 3 | (uint32_t)(d - '0');
		}
		if (r > 255)
			return ottl_fail(p, at, "bad escape in string: octal escape above \\377");
		o[0] = (uint8_t)r;
		*i = at + 4;
		return 1;
	}
	if (c < 0)
		return ottl_fail(p, at, "unterminated string");
	if (c > 0x20 && c < 0x7f)
		return ottl_fail(p, at, "bad escape in string: \\%c", c);
	return ottl_fail(p, at, "bad escape in string: \\ before byte 0x%02x", (unsigned)c);
}

static int lex_string(struct ottl_parser *p, size_t start)
{
	size_t i = start + 1, n = 0;
	uint8_t *o = ottl_pool(p, 0);

	/* unescaped text is never longer than the source: reserve that much */
	size_t end = start + 1;
	while (end < p->len && p->text[end] != '"')
		end += p->text[end] == '\\' ? 2 : 1;
	if (end >= p->len)
		return ottl_fail(p, start, "unterminated string");
	if (!ottl_pool(p, end - start))
		return -EINVAL;
	while (i < end) {
		unsigned char c = (unsigned char)p->text[i];
		if (c == '\n')
			return ottl_fail(p, i, "newline in string (write \\n)");
		if (c == '\\') {
			int w = lex_escape(p, &i, o + n);
			if (w < 0)
				return w;
			n += (size_t)w;
			continue;
		}
		o[n++] = c;
		i++;
	}
	o[n] = '\0'; /* room: the reservation counted the opening quote */
	p->pool_used -= (end - start) - (n + 1);
	p->tok.kind = T_STRING;
	p->tok.s = o;
	p->tok.slen = n;
	p->at = end + 1;
	return 0;
}

static int lex_bytes(struct ottl_parser *p, size_t start)
{
	size_t i = start + 2;

	while (i < p->len && hexval((unsigned char)p->text[i]) >= 0)
		i++;
	size_t digits = i - start - 2;
	if (digits % 2)
		return ottl_fail(p, start, "odd number of hex digits in a 0x bytes literal");
	uint8_t *o = ottl_pool(p, digits / 2 + 1);
	if (!o)
		return -EINVAL;
	for (size_t k = 0; k < digits / 2; k++)
		o[k] = (uint8_t)(hexval((unsigned char)p->text[start + 2 + 2 * k]) << 4 |
				 hexval((unsigned char)p->text[start + 3 + 2 * k]));
	p->tok.kind = T_BYTES;
	p->tok.s = o;
	p->tok.slen = digits / 2;
	p->at = i;
	return 0;
}

/* Float [-+]?\d*\.\d+([eE][-+]?\d+)? first, else Int [-+]?\d+ (base 0:
 * a leading 0 is octal), as OTTL's lexer tries them. */
static int lex_number(struct ottl_parser *p, size_t start)
{
	const char *s = p->text;
	size_t i = start, len = p->len;
	bool neg = false;

	if (s[i] == '+' || s[i] == '-')
		neg = s[i++] == '-';
	size_t int_start = i;
	while (i < len && is_digit(s[i]))
		i++;
	size_t int_end = i;
	if (i + 1 < len && s[i] == '.' && is_digit(s[i + 1])) {
		for (i++; i < len && is_digit(s[i]); i++)
			;
		if (i + 1 < len && (s[i] == 'e' || s[i] == 'E')) {
			size_t j = i + 1;
			if (j < len && (s[j] == '+' || s[j] == '-'))
				j++;
			if (j < len && is_digit(s[j])) {
				for (; j < len && is_digit(s[j]); j++)
					;
				i = j;
			}
		}
		char buf[64];
		if (i - start >= sizeof buf)
			return ottl_fail(p, start, "float literal too long");
		memcpy(buf, s + start, i - start);
		buf[i - start] = '\0';
		double d = strtod(buf, NULL);
		if (isinf(d))
			return ottl_fail(p, start, "float out of range: %s", buf);
		p->tok.kind = T_FLOAT;
		p->tok.d = d;
		p->at = i;
		return 0;
	}
	/* an int: the caller saw a digit after the optional sign */
	uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	unsigned base = (int_end - int_start > 1 && s[int_start] == '0') ? 8 : 10;
	for (size_t k = int_start; k < int_end; k++) {
		unsigned d = (unsigned)(s[k] - '0');
		if (d >= base)
			return ottl_fail(p, start, "invalid integer '%.*s' (a leading 0 makes it octal)",
					 (int)(int_end - start), s + start);
		if (v > (limit - d) / base)
			return ottl_fail(p, start, "integer out of range: %.*s", (int)(int_end - start),
					 s + start);
		v = v * base + d;
	}
	p->tok.kind = T_INT;
	p->tok.i = neg ? (int64_t)(0 - v) : (int64_t)v;
	p->at = int_end;
	return 0;
}

static const struct {
	const char *word;
	enum ottl_tok kind;
} keywords[] = {
	{ "and", T_AND },   { "or", T_OR },	  { "not", T_NOT },
	{ "true", T_TRUE }, { "false", T_FALSE }, { "nil", T_NIL },
};

static void lex_name(struct ottl_parser *p, size_t start)
{
	size_t i = start;
	bool lower = false, upper = false;

	while (i < p->len && is_word(p->text[i])) {
		lower |= is_lower(p->text[i]);
		upper |= is_upper(p->text[i]);
		i++;
	}
	p->at = i;
	if (is_lower(p->text[start]) && !upper) {
		p->tok.kind = T_IDENT;
		for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
			if (strlen(keywords[k].word) == i - start &&
			    !memcmp(keywords[k].word, p->text + start, i - start))
				p->tok.kind = keywords[k].kind;
		return;
	}
	p->tok.kind = is_upper(p->text[start]) && !lower ? T_UPPER : T_NAME;
}

int ottl_lex(struct ottl_parser *p)
{
	const char *s = p->text;
	size_t i = p->at;
	int rc = 0;

	while (i < p->len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f'))
		i++;
	memset(&p->tok, 0, sizeof p->tok);
	p->tok.pos = (uint32_t)i;
	p->at = i + 1;
	if (i >= p->len) {
		p->tok.kind = T_EOF;
		p->at = i;
		return 0;
	}
	int c = (unsigned char)s[i], c1 = i + 1 < p->len ? (unsigned char)s[i + 1] : -1;
	int c2 = i + 2 < p->len ? (unsigned char)s[i + 2] : -1;
	if (c == '0' && (c1 == 'x') && hexval(c2) >= 0) {
		rc = lex_bytes(p, i);
	} else if (is_digit(c) || (c == '.' && is_digit(c1)) ||
		   ((c == '+' || c == '-') && (is_digit(c1) || (c1 == '.' && is_digit(c2))))) {
		rc = lex_number(p, i);
	} else if (c == '"') {
		rc = lex_string(p, i);
	} else if (is_lower(c) || is_upper(c)) {
		lex_name(p, i);
	} else if ((c == '=' || c == '!' || c == '<' || c == '>') && c1 == '=') {
		p->tok.kind = T_CMP;
		p->tok.op = c == '=' ? OTTL_EQ : c == '!' ? OTTL_NE : c == '<' ? OTTL_LE : OTTL_GE;
		p->at = i + 2;
	} else {
		switch (c) {
		case '<':
			p->tok.kind = T_CMP;
			p->tok.op = OTTL_LT;
			break;
		case '>':
			p->tok.kind = T_CMP;
			p->tok.op = OTTL_GT;
			break;
		case '=':
			p->tok.kind = T_EQUAL;
			break;
		case '(':
			p->tok.kind = T_LPAREN;
			break;
		case ')':
			p->tok.kind = T_RPAREN;
			break;
		case '[':
			p->tok.kind = T_LBRACK;
			break;
		case ']':
			p->tok.kind = T_RBRACK;
			break;
		case ',':
			p->tok.kind = T_COMMA;
			break;
		case '.':
			p->tok.kind = T_DOT;
			break;
		case '+':
		case '-':
		case '*':
		case '/':
			p->tok.kind = T_MATH;
			break;
		default: {
			char d[16];
			return ottl_fail(p, i, "unexpected character %s", char_desc(c, d, sizeof d));
		}
		}
	}
	if (rc < 0)
		return rc;
	p->tok.len = (uint32_t)(p->at - i);
	return 0;
}

const char *ottl_tok_desc(const struct ottl_parser *p, char *buf, size_t size)
{
	const struct ottl_token *t = &p->tok;

	if (t->kind == T_EOF)
		return "end of condition";
	if (t->kind == T_STRING)
		snprintf(buf, size, "a string");
	else if (t->len > 40)
		snprintf(buf, size, "'%.37s...'", p->text + t->pos);
	else
		snprintf(buf, size, "'%.*s'", (int)t->len, p->text + t->pos);
	return buf;
}
