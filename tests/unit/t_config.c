#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	is_str(cfg_cluster_secret(c, NODE_CONTROLLER), "DefaultControllerSecret",
	    "no secrets: Drove's default controller secret");
	is_str(cfg_cluster_secret(c, NODE_EXECUTOR), "DefaultExecutorSecret",
	    "no secrets: Drove's default executor secret");
	is_int(cfg_cluster_secret_count(c), 2, "no secrets: the two defaults");
	ok(cfg_cluster_secret_ok(c, "DefaultControllerSecret") &&
	    cfg_cluster_secret_ok(c, "DefaultExecutorSecret"),
	    "no secrets: either default accepted");
	ok(!cfg_cluster_secret_ok(c, "") && !cfg_cluster_secret_ok(c, NULL) &&
	    !cfg_cluster_secret_ok(c, "DefaultControllerSecre"),
	    "no secrets: nothing else accepted");
	json_decref(c);

	c = G("clusterAuth: {secrets: []}\n");
	is_str(cfg_cluster_secret(c, NODE_EXECUTOR), "DefaultExecutorSecret",
	    "an empty list of secrets: the defaults");
	json_decref(c);
	c = G("clusterAuth: {secrets: [{nodeType: CONTROLLER, secret: c},\n"
	    "  {nodeType: EXECUTOR, secret: ''}]}\n");
	ok(cfg_cluster_secret(c, NODE_CONTROLLER) &&
	    !strcmp(cfg_cluster_secret(c, NODE_CONTROLLER), "c") &&
	    cfg_cluster_secret_count(c) == 1 && !cfg_cluster_secret_ok(c, "") &&
	    !cfg_cluster_secret_ok(c, "DefaultExecutorSecret"),
	    "configured secrets replace the defaults; an empty one never "
	    "matches");
	json_decref(c);
	c = G("clusterAuth: {secrets: [{nodeType: CONTROLLER, secret: c}]}\n");
	ok(cfg_cluster_secret(c, NODE_EXECUTOR) == NULL,
	    "configured secrets without one for a node type: none for it");
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

/* write_tmp(text): a temporary file holding text; its path (static). */
static const char *
write_tmp(const char *text)
{
	static char paths[4][64];
	static int k;
	char *p = paths[k++ % 4];
	FILE *f;
	int fd;

	snprintf(p, 64, "/tmp/t_config.XXXXXX");
	if ((fd = mkstemp(p)) < 0 || !(f = fdopen(fd, "w")))
		return "/nonexistent";
	fputs(text, f);
	fclose(f);
	return p;
}

/* Several -c files: later ones merged over earlier ones. */
static void
test_merge(void)
{
	const char *p[3];
	struct cfg_files cf = { 0 };
	json_t *c, *o;
	char *s;
	int i;

	p[0] = write_tmp("server: {applicationConnectors: [{type: http, port: 3000}],\n"
	    "  bindAddress: 127.0.0.1}\n"
	    "zookeeper: {connectionString: zk1, nameSpace: drove}\n"
	    "options: {hostname: h1, tags: [a, b], deep: {x: 1, y: 2}}\n"
	    "clusterAuth: {secrets: [{nodeType: CONTROLLER, secret: gen-c},\n"
	    "  {nodeType: EXECUTOR, secret: gen-e}]}\n");
	p[1] = write_tmp("zookeeper: {connectionString: zk2}\n"
	    "options: {tags: [c], deep: {y: 3, z: 4}, cacheImages: false}\n"
	    "clusterAuth: {secrets: [{nodeType: CONTROLLER, secret: mine}]}\n"
	    "userAuth: {enabled: true}\n");
	p[2] = write_tmp("options: {deep: 5}\n");
	c = cfg_load_all(p, 2);
	ok(c != NULL, "two files load");
	s = c ? js_dump(c) : NULL;
	is_str(s, "{\"server\":{\"applicationConnectors\":[{\"type\":\"http\","
	    "\"port\":3000}],\"bindAddress\":\"127.0.0.1\"},\"zookeeper\":"
	    "{\"connectionString\":\"zk2\",\"nameSpace\":\"drove\"},"
	    "\"options\":{\"hostname\":\"h1\",\"tags\":[\"c\"],\"deep\":"
	    "{\"x\":1,\"y\":3,\"z\":4},\"cacheImages\":false},\"clusterAuth\":"
	    "{\"secrets\":[{\"nodeType\":\"CONTROLLER\",\"secret\":\"mine\"}]},"
	    "\"userAuth\":{\"enabled\":true}}",
	    "objects merge key by key, recursively; scalars and arrays "
	    "replace");
	free(s);
	ok(c && cfg_cluster_secret(c, NODE_EXECUTOR) == NULL &&
	    cfg_cluster_secret_ok(c, "mine") && !cfg_cluster_secret_ok(c,
	    "gen-e"), "a later file's secrets replace the earlier list");
	json_decref(c);

	c = cfg_load_all(p, 3);
	ok(c && json_integer_value(js_get(c, "options.deep")) == 5 &&
	    json_is_string(js_get(c, "options.hostname")),
	    "a scalar replaces an object, its siblings stay");
	json_decref(c);
	c = cfg_load_all(p + 1, 1);
	ok(c && !js_get(c, "server"), "one file is that file");
	json_decref(c);

	o = cfg_parse("a: {b: 1}\n", 10, "o.yml");
	c = cfg_parse("a: [1]\n", 7, "c.yml");
	ok(cfg_merge(c, o) == 0 && json_is_object(js_get(c, "a")) &&
	    json_integer_value(js_get(c, "a.b")) == 1,
	    "an object replaces an array");
	json_decref(c);
	c = cfg_parse("a: 1\n", 5, "c.yml");
	ok(cfg_merge(c, json_integer(1)) < 0 && errno == EINVAL,
	    "only mappings merge");
	json_decref(c);

	{
		const char *bad[2] = { p[0], "/nonexistent/local.yml" };

		errno = 0;
		ok(cfg_load_all(bad, 2) == NULL && errno == ENOENT &&
		    strstr(err_text(), "/nonexistent/local.yml"),
		    "a missing later file fails, named: %s", err_text());
	}
	{
		const char *bad[2] = { p[0], write_tmp("a: [1\n") };

		ok(cfg_load_all(bad, 2) == NULL && errno == EINVAL &&
		    !strncmp(err_text(), bad[1], strlen(bad[1])),
		    "a broken later file fails, named: %s", err_text());
		unlink(bad[1]);
	}
	errno = 0;
	ok(cfg_load_all(p, 0) == NULL && errno == EINVAL, "no file: EINVAL");

	ok(cfg_files_add(&cf, "a.yml") == 0 && cf.n == 1 &&
	    !strcmp(cf.name, "a.yml"), "one -c: its name");
	ok(cfg_files_add(&cf, "b.yml") == 0 && cf.n == 2 &&
	    !strcmp(cf.path[1], "b.yml") && !strcmp(cf.name, "a.yml + b.yml"),
	    "two -c: both named");
	for (i = 2; i < CFG_FILES_MAX; i++)
		cfg_files_add(&cf, "x.yml");
	errno = 0;
	ok(cfg_files_add(&cf, "y.yml") < 0 && errno == E2BIG &&
	    cf.n == CFG_FILES_MAX, "too many -c: E2BIG");
	for (i = 0; i < 3; i++)
		unlink(p[i]);
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
	test_merge();
	return done_testing();
}
