#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tap.h"

#define Y(s) cfg_parse(s, strlen(s), "t.yml", &err)

int
main(void)
{
	struct js_err err;
	json_t *c;

	c = Y("server: {applicationConnectors: [{type: http, port: 4000}]}\n"
	    "zookeeper:\n  connectionString: \"127.0.0.1:2181\"\n"
	    "  nameSpace: prod\n"
	    "options:\n  cacheImages: true\n  maxOpenFiles: 20000\n"
	    "  hostname: '007'\n  tags: [a, b]\n  nothing: ~\n");
	ok(c != NULL, "parses a Drove-like config");
	is_int(cfg_server_port(c, 1), 4000, "server port from connectors");
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
	is_int(cfg_server_port(c, 4000), 4000, "default port");
	json_decref(c);

	setenv("DROVE_T_ZK", "10.0.0.1:2181", 1);
	c = Y("zookeeper: {connectionString: \"${DROVE_T_ZK}\"}\n");
	is_str(cfg_zk_connect(c), "10.0.0.1:2181", "${VAR} substitution");
	json_decref(c);

	c = Y("a: ${DROVE_T_UNSET_VAR}\n");
	ok(c == NULL && strstr(err.msg, "DROVE_T_UNSET_VAR"), "unset variable is an error: %s", err.msg);
	c = Y("a: [1, 2\n");
	ok(c == NULL && strstr(err.msg, "t.yml:"), "syntax error names file and line: %s", err.msg);
	c = Y("a: &x 1\nb: *x\n");
	ok(c == NULL && strstr(err.msg, "alias"), "aliases refused");
	return done_testing();
}
