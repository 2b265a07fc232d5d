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
 * cfg_cluster_secret(): clusterAuth.secrets[nodeType=t].secret (nodeType
 * matched ignoring case, as Dropwizard reads enums), NULL if none.
 * cfg_cluster_secret_count(): how many secrets are configured.
 * cfg_cluster_secret_ok(): 1 if s equals any configured secret (Drove's
 * receivers accept the secret of any node type), else 0.
 */
int cfg_port(const json_t *cfg, enum node_type t);
int cfg_hostname(const json_t *cfg, char *out, size_t n);
const char *cfg_instance_log_path(const json_t *cfg);
const char *cfg_docker_socket(const json_t *cfg);
#define CFG_EXECUTOR_GRACE_MS 5000LL
long long cfg_executor_grace_ms(const json_t *cfg);
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
