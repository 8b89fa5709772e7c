/* config/values.h: the small value types every component's settings use
 * (signals, typed values, regexps, endpoints, TLS settings, OTTL
 * conditions). Included by config/config.h; see there for the rules that
 * hold for all of them (ownership, units). */
#ifndef SLUICE_CONFIG_VALUES_H
#define SLUICE_CONFIG_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The telemetry signals. Same values as otlp/signal.h's enum otlp_signal
 * (static-asserted where both are seen); ring records carry signal + 1. */
enum sluice_signal {
	SLUICE_SIGNAL_TRACES = 0,
	SLUICE_SIGNAL_LOGS = 1,
	SLUICE_SIGNAL_METRICS = 2,
};
#define SLUICE_SIGNAL_COUNT 3
#define SLUICE_SIGNAL_BIT(s) (1u << (s))
#define SLUICE_SIGNALS_ALL 0x7u

enum sluice_value_type {
	SLUICE_VALUE_NONE = 0, /* absent (e.g. filter attribute: "key exists") */
	SLUICE_VALUE_STRING,
	SLUICE_VALUE_INT,
	SLUICE_VALUE_DOUBLE,
	SLUICE_VALUE_BOOL,
};

/* A typed YAML value: a plain scalar that reads as an integer is INT, as a
 * float DOUBLE, true/false BOOL; anything quoted, or other text, STRING. */
struct sluice_value {
	enum sluice_value_type type;
	const char *s; /* STRING (NUL-terminated; s_len excludes the NUL) */
	size_t s_len;
	int64_t i; /* INT */
	double d;  /* DOUBLE */
	bool b;	   /* BOOL */
};

/* A regular expression as written, plus the same pattern made POSIX ERE
 * (regcomp(REG_EXTENDED)): Go/RE2 named groups "(?P<name>...)" are turned
 * into plain groups and their names kept in group order. The loader checked
 * that `posix` compiles; the stage compiles it again for itself. */
struct sluice_regex {
	const char *source;	  /* as written in the file */
	const char *posix;	  /* for regcomp(REG_EXTENDED) */
	const char **group_names; /* [n_groups]: name of group i+1, or NULL */
	size_t n_groups;	  /* capture groups in the pattern */
};

struct sluice_kv {
	const char *key;
	struct sluice_value value; /* NONE: the attribute only has to exist */
	struct sluice_regex regex; /* match_type regexp and a value: its text as a
	                               regexp (used when value is a STRING) */
};

/* Headers an exporter may set (its transport adds its own beside them). */
#define SLUICE_MAX_HEADERS 30

struct sluice_header {
	const char *name;
	const char *value;
};

/* An endpoint "host:port", "[v6]:port" or ":port" (= all interfaces,
 * host "0.0.0.0"). port 0 = any free port (tests). */
struct sluice_endpoint {
	const char *text; /* as written (or the default) */
	const char *host; /* without brackets */
	uint16_t port;
};

/* A parsed exporter URL: scheme://host[:port]/path. */
struct sluice_url {
	const char *text; /* the full effective URL ("https://h:443/v1/logs") */
	bool tls;	  /* https (otlp gRPC: TLS on, see sluice_tls_client.enabled) */
	const char *host; /* without brackets */
	uint16_t port;
	const char *path; /* "/v1/traces"; "" for gRPC */
};

/* ---------- TLS (the Collector's configtls keys) ---------- */

enum sluice_tls_version {
	SLUICE_TLS_ANY = 0, /* max_version unset: the newest the library has */
	SLUICE_TLS_1_0,
	SLUICE_TLS_1_1,
	SLUICE_TLS_1_2,
	SLUICE_TLS_1_3,
};

/* A client's (exporter's) tls: block. Files were checked readable at load
 * (deep PEM and key checks happen in net/ when the connection is set up). */
struct sluice_tls_client {
	bool enabled;			     /* computed: connections use TLS. otlphttp: an
	                                  https:// URL; otlp gRPC: on unless tls.insecure
	                                  is true or the endpoint is http:// (Collector) */
	bool insecure;			     /* tls.insecure as written (default false) */
	bool insecure_skip_verify;	     /* do not verify the server's certificate */
	bool include_system_ca_certs_pool;   /* trust the system CAs beside ca_file/ca_pem */
	const char *ca_file, *ca_pem;	     /* CA to verify the server with (at most one) */
	const char *cert_file, *cert_pem;    /* client certificate for mTLS (at most one) */
	const char *key_file, *key_pem;	     /* its key (given iff a certificate is) */
	const char *server_name_override;    /* SNI and verified name; NULL = the URL's host */
	enum sluice_tls_version min_version; /* default 1.2 */
	enum sluice_tls_version max_version; /* default ANY */
	uint64_t reload_interval_ns;	     /* re-read the files this often; 0 = never */
};

/* A server's (receiver protocol's) tls: block. */
struct sluice_tls_server {
	bool enabled;			     /* tls: given */
	const char *cert_file;		     /* required */
	const char *key_file;		     /* required */
	const char *client_ca_file;	     /* mTLS: clients must present a certificate of this CA */
	enum sluice_tls_version min_version; /* default 1.2 */
	enum sluice_tls_version max_version; /* default ANY */
	uint64_t reload_interval_ns;	     /* 0 = never */
};

/* ---------- OTTL conditions (routing table, filter OTTL form) ---------- */

enum sluice_ottl_context {
	SLUICE_OTTL_RESOURCE = 0,
	SLUICE_OTTL_SPAN,
	SLUICE_OTTL_SPANEVENT,
	SLUICE_OTTL_LOG, /* the Collector's `log` (routing) / `log_record` (filter) */
	SLUICE_OTTL_METRIC,
	SLUICE_OTTL_DATAPOINT,
};

enum sluice_error_mode {
	SLUICE_ERROR_MODE_PROPAGATE = 0, /* an evaluation error drops the payload and logs */
	SLUICE_ERROR_MODE_IGNORE,	 /* logs the error, the condition is false */
	SLUICE_ERROR_MODE_SILENT,	 /* the condition is false, nothing logged */
};

/* One condition as written. `line`/`col` are where its first character is
 * in the file (inside the quotes of a quoted scalar); config_ottl_position()
 * maps a byte offset in `text` back to the file, escapes and folded lines
 * included, so a parser error at offset k points at the right column. */
struct ottl_cond;

struct sluice_ottl {
	const char *text; /* the condition (YAML escapes resolved) */
	enum sluice_ottl_context context;
	unsigned line, col;		/* 1-based position of text[0] in the file */
	bool quoted;			/* the YAML scalar was quoted ('...' or "...") */
	const struct ottl_cond *parsed; /* the parsed form (config/ottl.h); stages
	                                   evaluate it with stages/ottl_eval.h */
	/* private, for config_ottl_position: the scalar's source bytes */
	const char *raw_;
	size_t raw_len_;
	size_t off_;		/* text[0] is this far into the scalar's value */
	unsigned line0_, col0_; /* where raw_[0] is */
	char style_;		/* 0 plain, '\'' single, '"' double, '|' '>' block, 's' substituted */
};

struct sluice_ottl_list {
	struct sluice_ottl *items;
	size_t n;
};

/* Maps offset k (0 <= k <= strlen(text)) in cond->text to its file line
 * and column. Exact for plain, single- and double-quoted scalars (escapes,
 * folded lines); for a value that had ${...} substituted it gives the
 * scalar's start. */
void config_ottl_position(const struct sluice_ottl *cond, size_t k, unsigned *line, unsigned *col);

#endif
