/* t_auth: roles, access classes, Basic decoding, the user table (PLAIN and
 * bcrypt $2a$/$2b$/$2y$), the credential cache, cluster secrets. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "config.h"
#include "err.h"
#include "tap.h"

/* Precomputed with libxcrypt (cost 4): password "s3cret-<variant>". */
#define H2A "$2a$04$abcdefghijklmnopqrstuu2Z5j/vgVo0VYuM2k/o1d86cMOzl1Zr6"
#define H2B "$2b$04$abcdefghijklmnopqrstuuK7JWkgIxEiexDlDwjZKuVh9sNRmOVsK"
#define H2Y "$2y$04$abcdefghijklmnopqrstuukCLgKZTctbqpLhDsKBRwzl3.LXrAn82"

static struct auth *
load(const char *yaml)
{
	json_t *cfg = cfg_parse(yaml, strlen(yaml), "test.yml");
	struct auth *a;

	if (!cfg)
		return NULL;
	a = auth_new(cfg);
	json_decref(cfg);
	return a;
}

static int
bad(const char *yaml, const char *want)
{
	struct auth *a = load(yaml);

	if (a) {
		auth_free(a);
		return 0;
	}
	if (!strstr(err_text(), want)) {
		printf("#   error '%s' lacks '%s'\n", err_text(), want);
		return 0;
	}
	return 1;
}

/* "Basic " + base64(s) */
static const char *
basic(const char *b64)
{
	static char h[256];

	snprintf(h, sizeof h, "Basic %s", b64);
	return h;
}

static void
t_roles(void)
{
	is_str(role_name(ROLE_EXTERNAL_ROOT), "DROVE_EXTERNAL_ROOT", "role name");
	is_str(role_config_name(ROLE_CLUSTER_NODE), "CLUSTER_NODE",
	    "config name");
	is_int(role_parse("external_read_only"), ROLE_EXTERNAL_READ_ONLY,
	    "config names in any case");
	is_int(role_parse("DROVE_EXTERNAL_MAINTENANCE"),
	    ROLE_EXTERNAL_MAINTENANCE, "maintenance");
	is_int(role_parse("ADMIN"), -1, "unknown role");
	is_int(role_parse(""), -1, "empty role");

	/* the legend of §3.3 */
	ok(auth_allows(AC_READ, ROLE_EXTERNAL_READ_ONLY, 0), "R: read-only");
	ok(auth_allows(AC_READ, ROLE_NONE, 0), "R: a user without a role");
	ok(auth_allows(AC_READ, ROLE_CLUSTER_NODE, 0), "R: a node");
	ok(!auth_allows(AC_READ, ROLE_APP_INSTANCE, 0), "R: not a token");
	ok(auth_allows(AC_WRITE, ROLE_EXTERNAL_READ_WRITE, 0), "W: rw");
	ok(auth_allows(AC_WRITE, ROLE_EXTERNAL_ROOT, 0), "W: root");
	ok(!auth_allows(AC_WRITE, ROLE_EXTERNAL_READ_ONLY, 0), "W: not ro");
	ok(!auth_allows(AC_WRITE, ROLE_EXTERNAL_MAINTENANCE, 0),
	    "W: not maintenance");
	ok(!auth_allows(AC_WRITE, ROLE_EXTERNAL_READ_ONLY, 1),
	    "W: disableReadAuth opens reads only");
	ok(auth_allows(AC_MAINT, ROLE_EXTERNAL_MAINTENANCE, 0), "MNT: mnt");
	ok(auth_allows(AC_MAINT, ROLE_EXTERNAL_ROOT, 0), "MNT: root");
	ok(!auth_allows(AC_MAINT, ROLE_EXTERNAL_READ_WRITE, 0), "MNT: not rw");
	ok(auth_allows(AC_LOG, ROLE_EXTERNAL_READ_ONLY, 0), "LOG: ro");
	ok(!auth_allows(AC_LOG, ROLE_EXTERNAL_MAINTENANCE, 0), "LOG: not mnt");
	ok(!auth_allows(AC_LOG, ROLE_NONE, 0), "LOG: not without a role");
	ok(auth_allows(AC_LOG, ROLE_NONE, 1), "LOG: anyone, disableReadAuth");
	ok(auth_allows(AC_NODE, ROLE_CLUSTER_NODE, 0), "NODE: node");
	ok(!auth_allows(AC_NODE, ROLE_EXTERNAL_ROOT, 0), "NODE: not root");
	ok(auth_allows(AC_INST, ROLE_APP_INSTANCE, 0), "INST: token");
	ok(!auth_allows(AC_INST, ROLE_EXTERNAL_ROOT, 0), "INST: not root");
	ok(!auth_allows(AC_INST, ROLE_CLUSTER_NODE, 0), "INST: not a node");
}

static void
t_decode(void)
{
	char u[64], p[64];

	/* "admin:pw:with:colons" */
	is_int(auth_basic_decode("Basic YWRtaW46cHc6d2l0aDpjb2xvbnM=", u,
	    sizeof u, p, sizeof p), 0, "decodes");
	is_str(u, "admin", "user");
	is_str(p, "pw:with:colons", "password keeps its colons");
	is_int(auth_basic_decode("basic YWRtaW46cHc=", u, sizeof u, p,
	    sizeof p), 0, "scheme in any case");
	is_int(auth_basic_decode("Bearer YWRtaW46cHc=", u, sizeof u, p,
	    sizeof p), -1, "not Basic");
	is_int(auth_basic_decode("Basic YWRtaW4=", u, sizeof u, p, sizeof p),
	    -1, "no colon");
	is_int(auth_basic_decode("Basic !!!!", u, sizeof u, p, sizeof p), -1,
	    "not base64");
	is_int(auth_basic_decode("Basic YWRtaW46cHc", u, sizeof u, p,
	    sizeof p), -1, "bad length");
	is_int(auth_basic_decode("Basic ", u, sizeof u, p, sizeof p), -1,
	    "empty");
	is_int(auth_basic_decode("Basic YQBiOmM=", u, sizeof u, p, sizeof p),
	    -1, "a NUL inside");
	is_int(auth_basic_decode("Basic YWRtaW46cHc=", u, 3, p, sizeof p), -1,
	    "user does not fit");
	is_int(auth_basic_decode(NULL, u, sizeof u, p, sizeof p), -1, "NULL");
}

static void
t_users(void)
{
	struct principal pr;
	struct auth *a;
	unsigned long long hits, misses;

	a = load("userAuth: {enabled: false}\n");
	ok(a && !auth_users_enabled(a), "disabled: no users needed");
	auth_free(a);
	ok(bad("userAuth: {enabled: true}\n", "userAuth.users: must not be "
	    "empty"), "enabled needs users");
	ok(bad("userAuth: {enabled: true, encoding: SHA, users: [{username: "
	    "a, password: b}]}\n", "userAuth.encoding"), "unknown encoding");
	ok(bad("userAuth: {enabled: true, users: [{username: a, password: b, "
	    "role: ADMIN}]}\n", "unknown role 'ADMIN'"), "unknown role");
	ok(bad("userAuth: {enabled: true, encoding: CRYPT, users: [{username: "
	    "a, password: plain}]}\n", "not a bcrypt hash"),
	    "CRYPT wants bcrypt hashes");
	ok(bad("userAuth: {enabled: true, users: [{username: a, password: b},"
	    " {username: a, password: c}]}\n", "duplicate username"),
	    "duplicate user");
	ok(bad("userAuth: {enabled: true, cachingPolicy: \"maximumSize=0\", "
	    "users: [{username: a, password: b}]}\n", "maximumSize"),
	    "bad caching policy");

	a = load("userAuth:\n  enabled: true\n  users:\n"
	    "    - {username: admin, password: pw, role: EXTERNAL_ROOT}\n"
	    "    - {username: viewer, password: 'v:w', role: "
	    "external_read_only}\n"
	    "    - {username: nobody, password: n}\n");
	ok(a && auth_users_enabled(a), "PLAIN users load");
	/* admin:pw */
	ok(a && auth_basic(a, basic("YWRtaW46cHc="), &pr), "admin:pw");
	is_str(pr.name, "admin", "principal name");
	is_int(pr.role, ROLE_EXTERNAL_ROOT, "principal role");
	/* viewer:v:w */
	ok(a && auth_basic(a, basic("dmlld2VyOnY6dw=="), &pr) &&
	    pr.role == ROLE_EXTERNAL_READ_ONLY, "viewer:v:w read-only");
	/* nobody:n */
	ok(a && auth_basic(a, basic("bm9ib2R5Om4="), &pr) &&
	    pr.role == ROLE_NONE, "a user without a role");
	/* admin:px, ghost:pw */
	ok(a && !auth_basic(a, basic("YWRtaW46cHg="), &pr), "wrong password");
	ok(a && !auth_basic(a, basic("Z2hvc3Q6cHc="), &pr), "unknown user");
	ok(a && !auth_basic(a, NULL, &pr), "no header");
	ok(a && auth_basic(a, basic("YWRtaW46cHc="), &pr), "admin again");
	auth_cache_stats(a, &hits, &misses);
	is_int(hits, 1, "the second admin:pw came from the cache");
	auth_free(a);

	a = load("userAuth:\n  enabled: true\n  encoding: CRYPT\n  users:\n"
	    "    - {username: a, password: '" H2A "', role: EXTERNAL_ROOT}\n"
	    "    - {username: b, password: '" H2B "', role: "
	    "EXTERNAL_READ_WRITE}\n"
	    "    - {username: y, password: '" H2Y "', role: "
	    "DROVE_EXTERNAL_MAINTENANCE}\n");
	ok(a != NULL, "CRYPT users load");
	/* a:s3cret-2a  b:s3cret-2b  y:s3cret-2y */
	ok(a && auth_basic(a, basic("YTpzM2NyZXQtMmE="), &pr) &&
	    pr.role == ROLE_EXTERNAL_ROOT, "$2a$");
	ok(a && auth_basic(a, basic("YjpzM2NyZXQtMmI="), &pr) &&
	    pr.role == ROLE_EXTERNAL_READ_WRITE, "$2b$");
	ok(a && auth_basic(a, basic("eTpzM2NyZXQtMnk="), &pr) &&
	    pr.role == ROLE_EXTERNAL_MAINTENANCE, "$2y$");
	/* a:s3cret-2b */
	ok(a && !auth_basic(a, basic("YTpzM2NyZXQtMmI="), &pr),
	    "another user's password");
	auth_free(a);
}

static void
t_nodes(void)
{
	struct principal pr;
	struct auth *a;

	a = load("clusterAuth:\n  secrets:\n"
	    "    - {nodeType: CONTROLLER, secret: c-secret}\n"
	    "    - {nodeType: EXECUTOR, secret: e-secret}\n");
	ok(a && auth_node(a, "ctl-1", "c-secret", &pr), "controller secret");
	is_str(pr.name, "CONTROLLER-ctl-1", "named by node type and id");
	is_int(pr.role, ROLE_CLUSTER_NODE, "cluster node role");
	ok(a && auth_node(a, "exe-1", "e-secret", &pr), "executor secret");
	is_str(pr.name, "EXECUTOR-exe-1", "executor named");
	ok(a && !auth_node(a, "x", "c-secreT", &pr), "wrong secret");
	ok(a && !auth_node(a, "x", "", &pr), "empty secret");
	auth_free(a);
}

int
main(void)
{
	t_roles();
	t_decode();
	t_users();
	t_nodes();
	return done_testing();
}
