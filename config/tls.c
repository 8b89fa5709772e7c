/* config/tls.c: the Collector's `tls:` blocks, client (exporters) and
 * server (receiver protocols). The loader checks what it can without a TLS
 * library: exclusive keys, pairs, versions, that named files are readable
 * regular files and PEM text looks like PEM; net/ parses them. */
#include "config/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEC 1000000000ull

/* "" is max_version's "unset" (the newest the library supports). */
static const char *const tls_versions[] = { "", "1.0", "1.1", "1.2", "1.3", NULL };

/* Why cipher_suites is refused: what sluice uses instead (net/tls_ctx.c). */
static const char tls_suites_why[] = "the TLS 1.3 suites are used in Go's order (AES-128-GCM first), "
				     "the TLS 1.2 list is OpenSSL's with ECDHE AES-128-GCM first";

#define TLS_COMMON(T)                                                                                       \
	{ .name = "min_version", .kind = SK_ENUM, .off = offsetof(T, min_version), .names = tls_versions }, \
		{ .name = "max_version",                                                                    \
		  .kind = SK_ENUM,                                                                          \
		  .off = offsetof(T, max_version),                                                          \
		  .names = tls_versions,                                                                    \
		  .flags = SF_OMIT_EMPTY },                                                                 \
		{ .name = "reload_interval",                                                                \
		  .kind = SK_DUR,                                                                           \
		  .off = offsetof(T, reload_interval_ns),                                                   \
		  .max = 30 * 24 * 3600 * SEC },                                                            \
		{ .name = "cipher_suites", .kind = SK_REFUSE, .why = tls_suites_why },                      \
	{                                                                                                   \
		.name = "curve_preferences", .kind = SK_REFUSE, .why = "OpenSSL's default groups are used"  \
	}

int tls_check_file(struct schema_ctx *c, const struct ynode *at, const char *path, const char *file)
{
	struct stat st;
	int fd;

	/* stat first: opening a device or FIFO named here could block or act */
	if (stat(file, &st) < 0)
		return schema_error(c, at, "%s: cannot read \"%.200s\": %s", path, file, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return schema_error(c, at, "%s: \"%.200s\" is not a regular file", path, file);
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return schema_error(c, at, "%s: cannot read \"%.200s\": %s", path, file, strerror(errno));
	close(fd);
	return 0;
}

static int check_pem(struct schema_ctx *c, const struct ynode *at, const char *path, const char *pem)
{
	if (!strstr(pem, "-----BEGIN "))
		return schema_error(c, at, "%s: expected PEM text (\"-----BEGIN ...\")", path);
	return 0;
}

static int check_versions(struct schema_ctx *c, const struct ynode *at, const char *path,
			  enum sluice_tls_version min, enum sluice_tls_version max)
{
	if (max != SLUICE_TLS_ANY && min > max)
		return schema_error(c, at, "%s: min_version %s is above max_version %s", path,
				    tls_versions[min], tls_versions[max]);
	return 0;
}

/* ---- client ---- */

enum {
	C_CA_FILE,
	C_CA_PEM,
	C_CERT_FILE,
	C_CERT_PEM,
	C_KEY_FILE,
	C_KEY_PEM,
	C_MIN,
	C_MAX
};

#define CLI struct sluice_tls_client
const struct schema_field tls_client_fields[] = {
	[C_CA_FILE] = { .name = "ca_file", .kind = SK_PATH, .off = offsetof(CLI, ca_file) },
	[C_CA_PEM] = { .name = "ca_pem", .kind = SK_STR, .off = offsetof(CLI, ca_pem) },
	[C_CERT_FILE] = { .name = "cert_file", .kind = SK_PATH, .off = offsetof(CLI, cert_file) },
	[C_CERT_PEM] = { .name = "cert_pem", .kind = SK_STR, .off = offsetof(CLI, cert_pem) },
	[C_KEY_FILE] = { .name = "key_file", .kind = SK_PATH, .off = offsetof(CLI, key_file) },
	[C_KEY_PEM] = { .name = "key_pem", .kind = SK_STR, .off = offsetof(CLI, key_pem) },
	[C_MIN] = TLS_COMMON(CLI),
	{ .name = "insecure", .kind = SK_BOOL, .off = offsetof(CLI, insecure) },
	{ .name = "insecure_skip_verify", .kind = SK_BOOL, .off = offsetof(CLI, insecure_skip_verify) },
	{ .name = "include_system_ca_certs_pool",
	  .kind = SK_BOOL,
	  .off = offsetof(CLI, include_system_ca_certs_pool) },
	{ .name = "server_name_override",
	  .kind = SK_STR,
	  .off = offsetof(CLI, server_name_override),
	  .flags = SF_OMIT_EMPTY },
	{ .name = NULL },
};

void tls_client_default(struct sluice_tls_client *t)
{
	memset(t, 0, sizeof(*t));
	t->min_version = SLUICE_TLS_1_2;
}

int tls_client_check(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
		     const struct ynode *const *seen)
{
	static const char *const names[] = { "ca_file",	 "ca_pem",   "cert_file",
					     "cert_pem", "key_file", "key_pem" };
	struct sluice_tls_client *t = obj;
	const char *vals[] = { t->ca_file, t->ca_pem, t->cert_file, t->cert_pem, t->key_file, t->key_pem };
	char p[300];
	int rc;

	for (int i = 0; i < 6; i += 2)
		if (vals[i] && vals[i + 1])
			return schema_error(c, seen[i + 1], "%s: give %s or %s, not both", path, names[i],
					    names[i + 1]);
	bool cert = t->cert_file || t->cert_pem, key = t->key_file || t->key_pem;
	if (cert != key)
		return schema_error(
			c,
			seen[cert ? C_CERT_FILE + (t->cert_pem != NULL) : C_KEY_FILE + (t->key_pem != NULL)],
			"%s: a client certificate needs its key and a key its certificate (cert_file/cert_pem with key_file/key_pem)",
			path);
	for (int i = 0; i < 6; i++) {
		if (!vals[i])
			continue;
		schema_path(p, sizeof(p), path, names[i]);
		rc = i % 2 ? check_pem(c, seen[i], p, vals[i]) : tls_check_file(c, seen[i], p, vals[i]);
		if (rc < 0)
			return rc;
	}
	return check_versions(c,
			      seen[C_MAX]   ? seen[C_MAX]
			      : seen[C_MIN] ? seen[C_MIN]
					    : v,
			      path, t->min_version, t->max_version);
}
#undef CLI

/* ---- server ---- */

enum {
	S_CERT_FILE,
	S_KEY_FILE,
	S_CLIENT_CA,
	S_MIN,
	S_MAX
};

#define SRV struct sluice_tls_server
const struct schema_field tls_server_fields[] = {
	[S_CERT_FILE] = { .name = "cert_file", .kind = SK_PATH, .off = offsetof(SRV, cert_file) },
	[S_KEY_FILE] = { .name = "key_file", .kind = SK_PATH, .off = offsetof(SRV, key_file) },
	[S_CLIENT_CA] = { .name = "client_ca_file", .kind = SK_PATH, .off = offsetof(SRV, client_ca_file) },
	[S_MIN] = TLS_COMMON(SRV),
	{ .name = NULL },
};
#undef SRV

void tls_server_default(struct sluice_tls_server *t)
{
	memset(t, 0, sizeof(*t));
	t->min_version = SLUICE_TLS_1_2;
}

int tls_server_check(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
		     const struct ynode *const *seen)
{
	struct sluice_tls_server *t = obj;
	const char *files[] = { t->cert_file, t->key_file, t->client_ca_file };
	static const char *const names[] = { "cert_file", "key_file", "client_ca_file" };
	char p[300];
	int rc;

	if (!t->cert_file || !t->key_file)
		return schema_error(c, v, "%s: a TLS server needs cert_file and key_file", path);
	for (int i = 0; i < 3; i++) {
		if (files[i] && (rc = tls_check_file(c, seen[i], schema_path(p, sizeof(p), path, names[i]),
						     files[i])) < 0)
			return rc;
	}
	return check_versions(c,
			      seen[S_MAX]   ? seen[S_MAX]
			      : seen[S_MIN] ? seen[S_MIN]
					    : v,
			      path, t->min_version, t->max_version);
}
