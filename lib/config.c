#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>

#include "buf.h"
#include "config.h"
#include "duration.h"
#include "err.h"

struct frame {
	json_t *node;
	char *key;	/* pending key inside a mapping */
};

static int
expand_env(const char *in, struct buf *out)
{
	const char *p = in;

	while (*p) {
		const char *end;
		char name[128];
		const char *v;
		size_t n;

		if (p[0] != '$' || p[1] != '{') {
			if (buf_add(out, p++, 1) < 0)
				return err_fail(ENOMEM, "out of memory");
			continue;
		}
		end = strchr(p, '}');
		n = end ? (size_t)(end - p - 2) : 0;
		if (!end || n == 0 || n >= sizeof name)
			return err_fail(EINVAL,
			    "bad variable reference in '%s'", in);
		memcpy(name, p + 2, n);
		name[n] = '\0';
		v = getenv(name);
		if (!v)
			return err_fail(EINVAL,
			    "environment variable '%s' is not set", name);
		if (buf_adds(out, v) < 0)
			return err_fail(ENOMEM, "out of memory");
		p = end + 1;
	}
	if (buf_add(out, "", 0) < 0)
		return err_fail(ENOMEM, "out of memory");
	return 0;
}

static json_t *
scalar(const char *s, int plain)
{
	char *end;
	long long v;

	if (!plain)
		return json_string(s);
	if (!strcmp(s, "true") || !strcmp(s, "True"))
		return json_true();
	if (!strcmp(s, "false") || !strcmp(s, "False"))
		return json_false();
	if (!strcmp(s, "~") || !strcmp(s, "null") || !*s)
		return json_null();
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s && !*end && errno == 0 && (s[0] != '0' || s[1] == '\0'))
		return json_integer(v);
	return json_string(s);
}

/* Attach child to the top frame: as a list item, a mapping key or value. */
static int
attach(struct frame *top, json_t *child, const char *raw)
{
	if (json_is_array(top->node)) {
		if (json_array_append_new(top->node, child) < 0)
			return err_fail(ENOMEM, "out of memory");
		return 0;
	}
	if (!top->key) {
		if (!json_is_string(child)) {
			json_decref(child);
			return err_fail(EINVAL,
			    "mapping key '%s' is not a scalar", raw ? raw : "");
		}
		top->key = strdup(json_string_value(child));
		json_decref(child);
		return top->key ? 0 : err_fail(ENOMEM, "out of memory");
	}
	if (json_object_set_new(top->node, top->key, child) < 0)
		return err_fail(ENOMEM, "out of memory");
	free(top->key);
	top->key = NULL;
	return 0;
}

json_t *
cfg_parse(const char *data, size_t len, const char *name)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct frame st[64];
	int depth = 0, done = 0;
	json_t *root = NULL;

	if (!yaml_parser_initialize(&p)) {
		err_fail(ENOMEM, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	while (!done) {
		json_t *n = NULL;
		int line, col;

		if (!yaml_parser_parse(&p, &ev)) {
			err_fail(p.error == YAML_MEMORY_ERROR ? ENOMEM : EINVAL,
			    "%s:%zu:%zu: %s", name, p.problem_mark.line + 1,
			    p.problem_mark.column + 1,
			    p.problem ? p.problem : "syntax error");
			goto fail;
		}
		line = (int)ev.start_mark.line + 1;
		col = (int)ev.start_mark.column + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			done = ev.type == YAML_STREAM_END_EVENT ||
			    root != NULL;
			break;
		case YAML_ALIAS_EVENT:
			err_fail(EINVAL, "%s:%d:%d: aliases are not supported",
			    name, line, col);
			yaml_event_delete(&ev);
			goto fail;
		case YAML_SCALAR_EVENT: {
			struct buf b = BUF_ZERO;

			if (expand_env((const char *)ev.data.scalar.value,
			    &b) < 0) {
				err_fail(errno, "%s:%d:%d: %s", name, line, col,
				    err_text());
				buf_free(&b);
				yaml_event_delete(&ev);
				goto fail;
			}
			n = scalar(b.s, ev.data.scalar.style ==
			    YAML_PLAIN_SCALAR_STYLE);
			buf_free(&b);
			if (!n) {
				err_fail(ENOMEM, "out of memory");
				yaml_event_delete(&ev);
				goto fail;
			}
			if (depth == 0) {
				root = n;
				break;
			}
			if (attach(&st[depth - 1], n,
			    (const char *)ev.data.scalar.value) < 0) {
				yaml_event_delete(&ev);
				goto fail;
			}
			break;
		}
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth == (int)(sizeof st / sizeof st[0])) {
				err_fail(EINVAL, "%s:%d:%d: nested too deeply",
				    name, line, col);
				yaml_event_delete(&ev);
				goto fail;
			}
			n = ev.type == YAML_SEQUENCE_START_EVENT ?
			    json_array() : json_object();
			if (depth > 0 && st[depth - 1].key == NULL &&
			    json_is_object(st[depth - 1].node)) {
				err_fail(EINVAL, "%s:%d:%d: complex mapping "
				    "keys are not supported", name, line, col);
				json_decref(n);
				yaml_event_delete(&ev);
				goto fail;
			}
			st[depth].node = n;
			st[depth].key = NULL;
			depth++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			n = st[--depth].node;
			free(st[depth].key);
			if (depth == 0)
				root = n;
			else if (attach(&st[depth - 1], n, NULL) < 0) {
				yaml_event_delete(&ev);
				goto fail;
			}
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (!root)
		root = json_object();
	return root;
fail:
	/* a frame's node joins its parent only at its end event */
	while (depth > 0) {
		depth--;
		free(st[depth].key);
		json_decref(st[depth].node);
	}
	json_decref(root);
	yaml_parser_delete(&p);
	return NULL;
}

json_t *
cfg_load(const char *path)
{
	FILE *f = fopen(path, "r");
	struct buf b = BUF_ZERO;
	char chunk[4096];
	size_t n;
	json_t *j;

	if (!f) {
		err_fail(errno, "unable to open '%s': %s", path,
		    strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (buf_add(&b, chunk, n) < 0)
			break;
	if (ferror(f)) {
		err_fail(errno, "unable to read '%s': %s", path,
		    strerror(errno));
		fclose(f);
		buf_free(&b);
		return NULL;
	}
	fclose(f);
	j = cfg_parse(b.s ? b.s : "", b.len, path);
	buf_free(&b);
	if (j && !json_is_object(j)) {
		json_decref(j);
		err_fail(EINVAL, "%s: top level is not a mapping", path);
		return NULL;
	}
	return j;
}

int
cfg_merge(json_t *base, json_t *over)
{
	int r;

	if (!json_is_object(base) || !json_is_object(over)) {
		json_decref(over);
		return err_fail(EINVAL, "only mappings can be merged");
	}
	r = json_object_update_recursive(base, over);
	json_decref(over);
	return r < 0 ? err_fail(ENOMEM, "out of memory") : 0;
}

json_t *
cfg_load_all(const char *const *paths, size_t n)
{
	json_t *cfg, *next;
	size_t i;

	if (n == 0) {
		err_fail(EINVAL, "no configuration file");
		return NULL;
	}
	if (!(cfg = cfg_load(paths[0])))
		return NULL;
	for (i = 1; i < n; i++) {
		if (!(next = cfg_load(paths[i])) || cfg_merge(cfg, next) < 0) {
			if (next)
				err_fail(errno, "%s: %s", paths[i],
				    err_text());
			json_decref(cfg);
			return NULL;
		}
	}
	return cfg;
}

int
cfg_files_add(struct cfg_files *f, const char *path)
{
	size_t len = strlen(f->name);

	if (f->n == CFG_FILES_MAX)
		return err_fail(E2BIG, "more than %d configuration files",
		    CFG_FILES_MAX);
	f->path[f->n++] = path;
	snprintf(f->name + len, sizeof f->name - len, "%s%s",
	    len ? " + " : "", path);
	return 0;
}

int
cfg_set(json_t *cfg, const char *dotted, const char *value)
{
	char key[256];
	const char *p = dotted, *dot;
	json_t *cur = cfg;

	while ((dot = strchr(p, '.'))) {
		json_t *next;
		size_t n = (size_t)(dot - p);

		if (n == 0 || n >= sizeof key)
			goto bad;
		memcpy(key, p, n);
		key[n] = '\0';
		next = json_object_get(cur, key);
		if (!next) {
			next = json_object();
			if (json_object_set_new(cur, key, next) < 0)
				return err_fail(ENOMEM, "out of memory");
		} else if (!json_is_object(next))
			goto bad;
		cur = next;
		p = dot + 1;
	}
	if (!*p)
		goto bad;
	if (json_object_set_new(cur, p, scalar(value, 1)) < 0)
		return err_fail(ENOMEM, "out of memory");
	return 0;
bad:
	return err_fail(EINVAL, "bad key '%s'", dotted);
}

const char *
cfg_zk_connect(const json_t *cfg)
{
	json_t *v = js_get(cfg, "zookeeper.connectionString");

	return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *
cfg_zk_namespace(const json_t *cfg)
{
	json_t *v = js_get(cfg, "zookeeper.nameSpace");

	return json_is_string(v) ? json_string_value(v) : "drove";
}

int
cfg_zk_session_ms(const json_t *cfg)
{
	json_t *v = js_get(cfg, "zookeeper.sessionTimeout");
	long long ms = -1;

	if (!v)
		return CFG_ZK_SESSION_MS;
	if (json_is_integer(v))
		ms = json_integer_value(v);
	else if (!json_is_string(v) ||
	    duration_parse_ms(json_string_value(v), &ms) < 0)
		ms = -1;
	if (ms < 1000 || ms > 600000)
		return err_fail(EINVAL, "zookeeper.sessionTimeout: not a "
		    "duration of 1 second to 10 minutes");
	return (int)ms;
}

int
cfg_server_sockaddr(const json_t *cfg, int port, struct sockaddr_storage *ss,
    const char **addr)
{
	const char *a = js_str(js_get(cfg, "server"), "bindAddress", "0.0.0.0");
	int ok;

	memset(ss, 0, sizeof *ss);
	*addr = a;
	if (strchr(a, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		ok = inet_pton(AF_INET6, a, &s6->sin6_addr) == 1;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		ok = inet_pton(AF_INET, a, &s4->sin_addr) == 1;
	}
	if (!ok) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
cfg_port(const json_t *cfg, enum node_type t)
{
	json_t *c = js_get(cfg, "server.applicationConnectors");
	json_t *port = json_object_get(json_array_get(c, 0), "port");
	long long v;

	if (!port)
		return t == NODE_CONTROLLER ? 4000 : 3000;
	v = json_is_integer(port) ? json_integer_value(port) : -1;
	if (v < 1 || v > 65535) {
		errno = EINVAL;
		return -1;
	}
	return (int)v;
}

int
cfg_hostname(const json_t *cfg, char *out, size_t n)
{
	const char *h = js_str(js_get(cfg, "options"), "hostname", NULL);

	if (n == 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (h && *h) {
		if (strlen(h) >= n) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(out, h, strlen(h) + 1);
		return 0;
	}
	if (gethostname(out, n) < 0)
		return -1;
	if (!memchr(out, '\0', n)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

const char *
cfg_instance_log_path(const json_t *cfg)
{
	json_t *a;
	size_t i;

	/* Jackson resolves type names exactly (jackson-databind #1983). */
	json_array_foreach(js_get(cfg, "logging.appenders"), i, a)
		if (!strcmp(js_str(a, "type", ""), "drove"))
			return js_str(a, "logPath", NULL);
	return NULL;
}

const char *
cfg_docker_socket(const json_t *cfg)
{
	return js_str(js_get(cfg, "options"), "dockerSocketPath",
	    "/var/run/docker.sock");
}

long long
cfg_executor_grace_ms(const json_t *cfg)
{
	return dur_ms(js_get(cfg, "options"), "executorGracePeriod",
	    CFG_EXECUTOR_GRACE_MS);
}

/* The configured secrets, NULL when none: then Drove's defaults apply. */
static json_t *
secrets(const json_t *cfg)
{
	json_t *s = js_get(cfg, "clusterAuth.secrets");

	return json_array_size(s) > 0 ? s : NULL;
}

const char *
cfg_cluster_secret(const json_t *cfg, enum node_type t)
{
	const char *want = node_type_name(t);
	json_t *all = secrets(cfg), *s;
	size_t i;

	if (!all)
		return t == NODE_CONTROLLER ? CFG_CONTROLLER_SECRET :
		    t == NODE_EXECUTOR ? CFG_EXECUTOR_SECRET : NULL;
	json_array_foreach(all, i, s)
		if (want && !strcasecmp(js_str(s, "nodeType", ""), want))
			return js_str(s, "secret", NULL);
	return NULL;
}

size_t
cfg_cluster_secret_count(const json_t *cfg)
{
	json_t *all = secrets(cfg), *s;
	size_t i, n = 0;

	if (!all)
		return 2;
	json_array_foreach(all, i, s)
		if (*js_str(s, "secret", ""))
			n++;
	return n;
}

int
cfg_cluster_secret_ok(const json_t *cfg, const char *secret)
{
	json_t *all = secrets(cfg), *s;
	const char *v;
	size_t i;

	if (!secret)
		return 0;
	if (!all)
		return !strcmp(secret, CFG_CONTROLLER_SECRET) ||
		    !strcmp(secret, CFG_EXECUTOR_SECRET);
	json_array_foreach(all, i, s)
		if (*(v = js_str(s, "secret", "")) && !strcmp(v, secret))
			return 1;
	return 0;
}

const char *
cfg_instance_secret(const json_t *cfg)
{
	const json_t *s = js_get(cfg, "instanceAuth.secret");

	if (!s || json_is_null(s))
		return CFG_INSTANCE_SECRET;
	return json_string_value(s);
}
