/* config/ottl_priv.h (private to config/ottl*.c): the parser's state and
 * what its files share: the lexer (ottl_lex.c), the path, enum and
 * context tables (ottl_paths.c), the parser (ottl.c), the printer
 * (ottl_print.c). */
#ifndef SLUICE_CONFIG_OTTL_PRIV_H
#define SLUICE_CONFIG_OTTL_PRIV_H

#include "config/ottl.h"

enum ottl_tok {
	T_EOF = 0,
	T_IDENT,  /* [a-z][a-z0-9_]*, not a keyword */
	T_UPPER,  /* [A-Z][A-Z0-9_]*: an enum name (or a converter before '(') */
	T_NAME,	  /* any other name starting with a letter (IsMatch, isMatch) */
	T_STRING, /* value in tok.s (unescaped, in the pool) */
	T_INT,	  /* tok.i */
	T_FLOAT,  /* tok.d */
	T_BYTES,  /* tok.s (decoded, in the pool) */
	T_LPAREN,
	T_RPAREN,
	T_LBRACK,
	T_RBRACK,
	T_COMMA,
	T_DOT,
	T_CMP, /* tok.op */
	T_AND,
	T_OR,
	T_NOT,
	T_TRUE,
	T_FALSE,
	T_NIL,
	T_MATH,	 /* + - * / that is not a number's sign: unsupported */
	T_EQUAL, /* a lone '=' (named arguments): unsupported */
};

struct ottl_token {
	enum ottl_tok kind;
	uint32_t pos, len; /* where in the text */
	enum ottl_cmp op;
	int64_t i;
	double d;
	const uint8_t *s; /* T_STRING, T_BYTES */
	size_t slen;
};

struct ottl_parser {
	const char *text;
	size_t len, at; /* lexer position */
	enum ottl_context ctx;
	struct ottl_token tok; /* the current token */
	int depth;
	struct ottl_node *nodes;
	uint16_t n_nodes, nodes_cap;
	struct ottl_key keys[OTTL_MAX_KEYS];
	uint16_t n_keys;
	struct ottl_regex regex[OTTL_MAX_REGEX];
	uint16_t n_regex;
	uint8_t *pool; /* strings: unescaped literals, keys, regexps */
	size_t pool_used, pool_cap;
	struct ottl_error *err;
};

/* Records the first error (later ones are consequences); returns -EINVAL. */
int ottl_fail(struct ottl_parser *p, size_t pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* n bytes of the pool (NULL after an error has been recorded). */
uint8_t *ottl_pool(struct ottl_parser *p, size_t n);

/* Reads the next token into p->tok. 0 or -EINVAL. */
int ottl_lex(struct ottl_parser *p);
/* A token for messages: "')'", "end of condition", "'foo'". */
const char *ottl_tok_desc(const struct ottl_parser *p, char *buf, size_t size);

/* Resolves a dotted path name (as written, without keys) in ctx:
 * 1 with *is_map, *id (map or field) and *hex set; 0 if the context has
 * no such path. */
int ottl_path_find(enum ottl_context ctx, const char *name, bool *is_map, uint16_t *id, bool *hex);
/* The canonical spelling of a field/map in ctx into buf; snprintf's return. */
int ottl_path_name(enum ottl_context ctx, bool is_map, uint16_t id, bool hex, char *buf, size_t size);
/* Enum symbol -> index into the table, or -1; its value and whether ctx has it. */
int ottl_enum_find(const char *name, size_t len, enum ottl_context ctx, int64_t *value, bool *in_ctx);
const char *ottl_enum_name(int index);

/* The parser proper (ottl.c): fills p->nodes and returns the root index,
 * or -EINVAL. */
int ottl_parse_condition(struct ottl_parser *p, unsigned flags);
/* Its pieces the converters (ottl_call.c) use: each returns a node index
 * or -EINVAL with the error recorded. */
int ottl_node_new(struct ottl_parser *p, enum ottl_node_kind kind, uint32_t pos);
int ottl_parse_value(struct ottl_parser *p);
/* "expected <what>, got <the current token>"; -EINVAL. */
int ottl_fail_got(struct ottl_parser *p, const char *what);
/* One more level of nesting (parenthesis, not, call); -EINVAL past OTTL_MAX_DEPTH. */
int ottl_enter(struct ottl_parser *p);
/* name( args ): the current token is the '(' after name. */
int ottl_parse_call(struct ottl_parser *p, const struct ottl_token *name);

#endif
