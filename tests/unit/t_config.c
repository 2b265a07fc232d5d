#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "tap.h"

#define Y(s) cfg_parse(s, strlen(s), "t.yml")

/* The getters of values that several programs read. */
static void
test_getters(void)
{
	char host[256], tiny[4];
	json_t *c;

#define G(s) cfg_parse(s, strlen(s), "g.yml")
	c = G("server: {applicationConnectors: [{type: http, port: 3100}]}\n"
	    "options: {hostname: exec-7, dockerSocketPath: /run/d.sock}\n"
	    "logging: {appenders: [{type: console},\n"
	    "  {type: Drove, logPath: /wrong},\n"
	    "  {type: drove, logPath: /var/log/i}]}\n"
	    "clusterAuth: {secrets: [{nodeType: controller, secret: c-s},\n"
	    "  {nodeType: EXECUTOR, secret: e-s}]}\n");
	is_int(cfg_port(c, NODE_EXECUTOR), 3100, "port from connectors");
	ok(cfg_hostname(c, host, sizeof host) == 0 &&
	    !strcmp(host, "exec-7"), "hostname from options");
	ok(cfg_hostname(c, tiny, sizeof tiny) < 0 && errno == ENAMETOOLONG,
	    "hostname too long for the buffer");
	is_str(cfg_instance_log_path(c), "/var/log/i",
	    "log path of type drove, matched exactly");
	is_str(cfg_docker_socket(c), "/run/d.sock", "docker socket");
	is_str(cfg_cluster_secret(c, NODE_CONTROLLER), "c-s",
	    "controller secret, nodeType in any case");
	is_str(cfg_cluster_secret(c, NODE_EXECUTOR), "e-s", "executor secret");
	is_int(cfg_cluster_secret_count(c), 2, "two secrets");
	ok(cfg_cluster_secret_ok(c, "e-s") && cfg_cluster_secret_ok(c, "c-s"),
	    "any node type's secret accepted");
	ok(!cfg_cluster_secret_ok(c, "x") && !cfg_cluster_secret_ok(c, NULL) &&
	    !cfg_cluster_secret_ok(c, "e-"), "others refused");
	json_decref(c);

	c = G("zookeeper: {connectionString: x}\n");
	is_int(cfg_port(c, NODE_CONTROLLER), 4000, "controller default port");
	is_int(cfg_port(c, NODE_EXECUTOR), 3000, "executor default port");
	ok(cfg_hostname(c, host, sizeof host) == 0 && host[0],
	    "hostname from the system");
	ok(cfg_instance_log_path(c) == NULL, "no log path");
	is_str(cfg_docker_socket(c), "/var/run/docker.sock",
	    "default docker socket");
	ok(cfg_cluster_secret(c, NODE_EXECUTOR) == NULL &&
	    cfg_cluster_secret_count(c) == 0 &&
	    !cfg_cluster_secret_ok(c, ""), "no secrets");
	json_decref(c);

	c = G("server: {applicationConnectors: [{port: 70000}]}\n");
	errno = 0;
	ok(cfg_port(c, NODE_EXECUTOR) < 0 && errno == EINVAL,
	    "port out of range: EINVAL");
	json_decref(c);
	c = G("server: {applicationConnectors: [{port: \"80\"}]}\n");
	ok(cfg_port(c, NODE_EXECUTOR) < 0, "quoted port: EINVAL");
	json_decref(c);

	c = G("zookeeper: {connectionString: x}\n");
	is_int(cfg_zk_session_ms(c), CFG_ZK_SESSION_MS,
	    "default session timeout");
	json_decref(c);
	c = G("zookeeper: {sessionTimeout: 4 seconds}\n");
	is_int(cfg_zk_session_ms(c), 4000, "session timeout, a duration");
	json_decref(c);
	c = G("zookeeper: {sessionTimeout: 2500ms}\n");
	is_int(cfg_zk_session_ms(c), 2500, "session timeout in ms units");
	json_decref(c);
	c = G("zookeeper: {sessionTimeout: 6000}\n");
	is_int(cfg_zk_session_ms(c), 6000, "session timeout, a number of ms");
	json_decref(c);
	c = G("zookeeper: {sessionTimeout: 500ms}\n");
	errno = 0;
	ok(cfg_zk_session_ms(c) < 0 && errno == EINVAL,
	    "session timeout under 1 s: EINVAL");
	json_decref(c);
	c = G("zookeeper: {sessionTimeout: 11m}\n");
	ok(cfg_zk_session_ms(c) < 0, "session timeout over 10 min: EINVAL");
	json_decref(c);
	c = G("zookeeper: {sessionTimeout: soon}\n");
	errno = 0;
	ok(cfg_zk_session_ms(c) < 0 && errno == EINVAL &&
	    strstr(err_text(), "zookeeper.sessionTimeout"),
	    "session timeout not a duration: EINVAL, named");
	json_decref(c);
#undef G
}

int
main(void)
{
	json_t *c;

	c = Y("server: {applicationConnectors: [{type: http, port: 4000}]}\n"
	    "zookeeper:\n  connectionString: \"127.0.0.1:2181\"\n"
	    "  nameSpace: prod\n"
	    "options:\n  cacheImages: true\n  maxOpenFiles: 20000\n"
	    "  hostname: '007'\n  tags: [a, b]\n  nothing: ~\n");
	ok(c != NULL, "parses a Drove-like config");
	is_int(cfg_port(c, NODE_EXECUTOR), 4000, "server port from connectors");
	is_str(cfg_zk_connect(c), "127.0.0.1:2181", "connection string");
	is_str(cfg_zk_namespace(c), "prod", "namespace");
	ok(json_is_true(js_get(c, "options.cacheImages")), "plain true is boolean");
	is_int(json_integer_value(js_get(c, "options.maxOpenFiles")), 20000,
	    "plain integer");
	ok(json_is_string(js_get(c, "options.hostname")), "quoted stays string");
	is_str(json_string_value(js_get(c, "options.hostname")), "007", "quoted value");
	is_int(json_array_size(js_get(c, "options.tags")), 2, "flow sequence");
	ok(json_is_null(js_get(c, "options.nothing")), "~ is null");
	ok(js_get(c, "options.missing") == NULL, "missing key is NULL");
	ok(cfg_set(c, "options.hostname", "h1") == 0, "override a key");
	is_str(json_string_value(js_get(c, "options.hostname")), "h1", "override applied");
	ok(cfg_set(c, "new.deep.key", "5") == 0 &&
	    json_integer_value(js_get(c, "new.deep.key")) == 5, "override creates parents");
	json_decref(c);

	c = Y("zookeeper: {connectionString: x}\n");
	is_str(cfg_zk_namespace(c), "drove", "default namespace");
	is_int(cfg_port(c, NODE_CONTROLLER), 4000, "default port");
	json_decref(c);

	setenv("DROVE_T_ZK", "10.0.0.1:2181", 1);
	c = Y("zookeeper: {connectionString: \"${DROVE_T_ZK}\"}\n");
	is_str(cfg_zk_connect(c), "10.0.0.1:2181", "${VAR} substitution");
	json_decref(c);

	c = Y("a: ${DROVE_T_UNSET_VAR}\n");
	ok(c == NULL && errno == EINVAL, "unset variable is an error");
	is_str(err_text(), "t.yml:1:4: environment variable "
	    "'DROVE_T_UNSET_VAR' is not set", "unset variable: file:line:col");
	c = Y("a: [1, 2\n");
	ok(c == NULL && errno == EINVAL && !strncmp(err_text(), "t.yml:2:1: ",
	    11), "syntax error names file and line: %s", err_text());
	c = Y("a: &x 1\nb: *x\n");
	is_str(c == NULL ? err_text() : "parsed",
	    "t.yml:2:4: aliases are not supported", "aliases refused");
	ok(cfg_load("/nonexistent/drove.yml") == NULL && errno == ENOENT,
	    "a missing file: ENOENT");
	ok(!strncmp(err_text(), "unable to open '/nonexistent/drove.yml': ",
	    41), "a missing file: %s", err_text());
	test_getters();
	return done_testing();
}
