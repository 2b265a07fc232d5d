/*
 * auth: who may call the controller's API (reference §3.2, §8).
 *
 * Roles are Drove's DroveUserRole: configured by their enum names
 * (EXTERNAL_ROOT, ...), shown by their role strings (DROVE_EXTERNAL_ROOT).
 * An access class is what a path needs (the column "role" of §3.3):
 *   AC_READ   any external user (any role, or none) or a cluster node
 *   AC_WRITE  EXTERNAL_ROOT, EXTERNAL_READ_WRITE
 *   AC_MAINT  EXTERNAL_ROOT, DROVE_EXTERNAL_MAINTENANCE
 *   AC_LOG    EXTERNAL_ROOT, EXTERNAL_READ_WRITE, EXTERNAL_READ_ONLY; any
 *             external user or node when options.disableReadAuth is true
 *   AC_NODE   a cluster node (clusterAuth secret)
 *   AC_INST   an application instance (its JWT)
 * Drove lets an instance token call every AC_READ path too (its Apis class
 * is @PermitAll); the token exists for sibling discovery, so here it opens
 * AC_INST paths only.
 *
 * struct auth holds a controller's userAuth (users, PLAIN or CRYPT
 * passwords: bcrypt $2a$/$2b$/$2y$ through libxcrypt), its clusterAuth
 * secrets and a cache of verified Basic credentials (Drove's Caffeine
 * cache: maximumSize 500, expireAfterAccess 30 minutes unless
 * userAuth.cachingPolicy says otherwise), so bcrypt is paid once per user
 * and password, not per request.  Thread-safe after auth_new().
 */
#ifndef DROVE_AUTH_H
#define DROVE_AUTH_H

#include <stddef.h>

#include "json.h"

enum role {
	ROLE_NONE,			/* an external user without a role */
	ROLE_CLUSTER_NODE,
	ROLE_APP_INSTANCE,
	ROLE_EXTERNAL_ROOT,
	ROLE_EXTERNAL_READ_WRITE,
	ROLE_EXTERNAL_MAINTENANCE,
	ROLE_EXTERNAL_READ_ONLY,
	ROLE_COUNT
};

enum access {
	AC_READ, AC_WRITE, AC_MAINT, AC_LOG, AC_NODE, AC_INST
};

/* The role string ("DROVE_EXTERNAL_ROOT"; "" for ROLE_NONE), the
 * configuration name ("EXTERNAL_ROOT"), and the role of a configuration
 * name in any case (-1 unknown). */
const char *role_name(enum role r);
const char *role_config_name(enum role r);
int role_parse(const char *config_name);
/* "R", "W", "MNT", "LOG", "NODE", "INST": §3.3's legend. */
const char *access_name(enum access a);

/* Who called: name is what ACCESS_AUDIT lines show ("default-user", the
 * Basic user name, "CONTROLLER-<nodeId>", an instance id). */
struct principal {
	char name[320];
	enum role role;
};

/* 1 when a principal of role r may call a path of access class a. */
int auth_allows(enum access a, enum role r, int disable_read_auth);

struct auth;
/*
 * From a controller configuration: userAuth {enabled, encoding PLAIN|CRYPT,
 * users [{username, password, role}], cachingPolicy "maximumSize=N,
 * expireAfterAccess=<duration>"}, clusterAuth.secrets (lib/config's
 * getters) and options.disableReadAuth.  NULL with errno EINVAL and
 * err_text() naming the bad key (enabled with no users, an unknown role or
 * encoding, a CRYPT password that is not a bcrypt hash, a duplicate user),
 * or ENOMEM.
 */
struct auth *auth_new(const json_t *cfg);
void auth_free(struct auth *a);
int auth_users_enabled(const struct auth *a);
int auth_disable_read_auth(const struct auth *a);

/* A cluster node by its NodeId and Cluster-Authorization headers (both
 * non-NULL): 1 when secret equals a configured secret (compared in
 * constant time), p named "<NODETYPE>-<nodeId>" with ROLE_CLUSTER_NODE;
 * else 0. */
int auth_node(const struct auth *a, const char *node_id, const char *secret,
    struct principal *p);

/* An Authorization header: 1 when it is "Basic <base64 user:password>" of
 * a configured user with that password (p filled), 0 otherwise.  Only with
 * users enabled. */
int auth_basic(struct auth *a, const char *header, struct principal *p);

/* The user and password of a Basic Authorization header (scheme matched
 * in any case), NUL-terminated into user (ulen) and pass (plen): 0, or -1
 * when the header is not Basic, not base64, has no ':' or does not fit.
 * Pure: safe on any bytes. */
int auth_basic_decode(const char *header, char *user, size_t ulen,
    char *pass, size_t plen);

/* Hits and misses of the credential cache since auth_new(). */
void auth_cache_stats(struct auth *a, unsigned long long *hits,
    unsigned long long *misses);

#endif
