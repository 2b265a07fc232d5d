/*
 * config: the one YAML file per host role, read with libyaml into a jansson
 * tree so every program reads keys the same way (js_get(cfg, "a.b")).
 *
 * Plain scalars become integers, booleans (true/false), null (~, null) or
 * strings; quoted scalars stay strings.  Anchors and aliases are refused.
 * ${VAR} in a scalar is replaced by the environment's value (as Dropwizard
 * does); an unset VAR is an error.
 *
 * cfg_load() returns a new reference, or NULL with errno (EINVAL a bad
 * file, ENOMEM, or open(2)'s and read(2)'s) and err_text() saying why
 * ("path:line:col: reason", "unable to open 'path': ...").  cfg_parse()
 * reads YAML from memory, name standing for the path in texts.
 * cfg_set() overrides one dotted key with a string value taken from a flag,
 * typed as a plain YAML scalar would be; returns 0 or -1 (EINVAL, ENOMEM).
 */
#ifndef DROVE_CONFIG_H
#define DROVE_CONFIG_H

#include <stddef.h>
#include <sys/socket.h>
#include "json.h"
#include "model.h"

json_t *cfg_load(const char *path);
json_t *cfg_parse(const char *data, size_t len, const char *name);
int cfg_set(json_t *cfg, const char *dotted, const char *value);

/*
 * Several files: every program takes -c more than once, later files merged
 * over earlier ones (a site's own file over a generated one).
 *
 * cfg_merge(base, over): merges over into base in place, as jansson's
 * json_object_update_recursive() does: objects key by key, recursively;
 * any other value, arrays included, replaces base's.  Steals over (its
 * values may now be shared with base).  0, or -1 with errno (EINVAL: base
 * or over is not an object, ENOMEM) and err_text().
 * cfg_load_all(): cfg_load() of paths[0..n) in order, each merged over the
 * ones before; a new reference, or NULL with errno and err_text() naming
 * the file (EINVAL when n is 0).
 * struct cfg_files gathers a program's -c options: cfg_files_add() appends
 * path (borrowed, e.g. optarg) and updates name, the paths joined by " + "
 * (cut to fit), for messages about the merged result; 0, or -1 with
 * errno=E2BIG and err_text() past CFG_FILES_MAX files.
 */
#define CFG_FILES_MAX 8
struct cfg_files {
	const char *path[CFG_FILES_MAX];
	size_t n;
	char name[512];
};
int cfg_merge(json_t *base, json_t *over);
json_t *cfg_load_all(const char *const *paths, size_t n);
int cfg_files_add(struct cfg_files *f, const char *path);

/* Common keys with Drove's names and defaults. */
const char *cfg_zk_connect(const json_t *cfg);	/* zookeeper.connectionString */
const char *cfg_zk_namespace(const json_t *cfg); /* zookeeper.nameSpace, "drove" */
/*
 * zookeeper.sessionTimeout (ours; Drove hard-codes 30 s): a Dropwizard
 * duration ("10 seconds", "4s") or a number of ms, in ms; CFG_ZK_SESSION_MS
 * when absent; -1 with errno=EINVAL (and err_text()) when it is not a
 * duration of 1 s to 10 min.  ZooKeeper itself then bounds the session it
 * grants to 2..20 times its tickTime.
 */
#define CFG_ZK_SESSION_MS 10000
int cfg_zk_session_ms(const json_t *cfg);
/* server.bindAddress (default 0.0.0.0; an address with ':' is IPv6) and
 * port as a socket address; *addr gets the borrowed address text.
 * 0, or -1 with errno=EINVAL if the address does not parse. */
int cfg_server_sockaddr(const json_t *cfg, int port,
    struct sockaddr_storage *ss, const char **addr);

/*
 * Values read by several programs, one getter each.  Strings are borrowed
 * from cfg.
 *
 * cfg_port(): server.applicationConnectors[0].port, else the node type's
 * default (controller 4000, executor 3000); -1 with errno=EINVAL when the
 * configured value is not in 1..65535.
 * cfg_hostname(): options.hostname, else gethostname(), into out (n
 * bytes); 0, or -1 with errno (ENAMETOOLONG if it does not fit).
 * cfg_instance_log_path(): logPath of the logging.appenders entry of type
 * "drove" (compared exactly, as Jackson matches type names), NULL if none.
 * cfg_executor_grace_ms(): options.executorGracePeriod (ours), a duration:
 * how long an executor whose ZooKeeper session is gone may take to come
 * back before its instances are LOST and replaced; CFG_EXECUTOR_GRACE_MS
 * by default.
 * cfg_docker_socket(): options.dockerSocketPath, default
 * /var/run/docker.sock.
 * Cluster secrets, as Drove has them (ClusterAuthenticationConfig): with
 * no clusterAuth.secrets (absent or empty), the defaults
 * CFG_CONTROLLER_SECRET for CONTROLLER and CFG_EXECUTOR_SECRET for
 * EXECUTOR apply; once any is configured, only the configured ones do.
 * cfg_cluster_secret(): the secret of node type t, the one a node of that
 * type sends (nodeType matched ignoring case, as Dropwizard reads enums);
 * NULL when secrets are configured but none for t.
 * cfg_cluster_secret_count(): how many non-empty secrets apply (2 by
 * default).
 * cfg_cluster_secret_ok(): 1 if s equals any non-empty secret that applies
 * (Drove's receivers accept the secret of any node type), else 0 (also for
 * NULL).
 */
int cfg_port(const json_t *cfg, enum node_type t);
int cfg_hostname(const json_t *cfg, char *out, size_t n);
const char *cfg_instance_log_path(const json_t *cfg);
const char *cfg_docker_socket(const json_t *cfg);
#define CFG_EXECUTOR_GRACE_MS 5000LL
long long cfg_executor_grace_ms(const json_t *cfg);
#define CFG_CONTROLLER_SECRET "DefaultControllerSecret"
#define CFG_EXECUTOR_SECRET "DefaultExecutorSecret"
const char *cfg_cluster_secret(const json_t *cfg, enum node_type t);
size_t cfg_cluster_secret_count(const json_t *cfg);
int cfg_cluster_secret_ok(const json_t *cfg, const char *s);

/* instanceAuth.secret, the key of the instance tokens (lib/itoken),
 * Drove's "DEFAULT_SECRET" when absent; NULL when it is there but not a
 * string (a plain number: quote it), which callers take as a bad
 * configuration rather than fall back to the well-known default.
 * Borrowed from cfg. */
#define CFG_INSTANCE_SECRET "DEFAULT_SECRET"
const char *cfg_instance_secret(const json_t *cfg);

#endif
