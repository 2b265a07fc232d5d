#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "duration.h"
#include "err.h"
#include "ids.h"
#include "model.h"
#include "rule.h"
#include "spec.h"

#define PLACEMENT_MAX_DEPTH 16
#define NO_MAX ((long long)1 << 62)

struct vctx {
	json_t *errs;
	const struct spec_opts *o;
	int n;		/* errors appended */
	int oom;
	const char *kind;	/* "tasks", ...; NULL: "apps" */
};

static const char *const job_types[] = {
	"SERVICE", "COMPUTATION", "LOCAL_SERVICE", NULL
};
static const char *const exec_types[] = { "DOCKER", NULL };
static const char *const port_types[] = {
	"HTTP", "HTTPS", "TCP", "UDP", NULL
};
static const char *const volume_modes[] = {
	"READ_WRITE", "READ_ONLY", NULL
};
static const char *const config_types[] = {
	"INLINE", "EXECUTOR_LOCAL_FILE", "CONTROLLER_HTTP_FETCH",
	"EXECUTOR_HTTP_FETCH", NULL
};
static const char *const protocols[] = { "HTTP", "HTTPS", NULL };
static const char *const verbs[] = { "GET", "POST", "PUT", NULL };
static const char *const logging_types[] = { "LOCAL", "RSYSLOG", NULL };
static const char *const resource_types[] = { "CPU", "MEMORY", NULL };
static const char *const check_modes[] = { "HTTP", "CMD", NULL };
static const char *const placement_types[] = {
	"ANY", "ONE_PER_HOST", "MAX_N_PER_HOST", "MATCH_TAG", "NO_TAG",
	"RULE_BASED", "COMPOSITE", "LOCAL", NULL
};
static const char *const rule_types[] = { "MVEL", "HOPE", NULL };
static const char *const combiners[] = { "AND", "OR", NULL };
static const char *const device_types[] = { "DIRECT", "DETAILED", NULL };
static const char *const device_perms[] = {
	"READ_ONLY", "WRITE_ONLY", "MKNOD_ONLY", "ALL", "READ_WRITE", NULL
};
static const char *const exposure_modes[] = { "ALL", "ONE", NULL };
static const char *const op_types[] = {
	"CREATE", "START_INSTANCES", "SCALE", "STOP_INSTANCES",
	"REPLACE_INSTANCES", "SUSPEND", "DESTROY", "RECOVER", NULL
};
static const char *const failure_strategies[] = { "STOP", "ROLLBACK", NULL };

#define PATH_MAX_LEN 256

/* A field path into out (PATH_MAX_LEN bytes), truncated if need be. */
__attribute__((format(printf, 2, 3))) static void
pf(char *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, PATH_MAX_LEN, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void
verr(struct vctx *v, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (json_array_append_new(v->errs, json_string(msg)) < 0)
		v->oom = 1;
	v->n++;
}

static void
join_set(char *out, size_t n, const char *const *set)
{
	size_t len = 0;

	out[0] = '\0';
	for (; *set && len < n; set++) {
		int r = snprintf(out + len, n - len, "%s%s",
		    len ? ", " : "", *set);

		if (r < 0)
			break;
		len += (size_t)r;
	}
}

/*
 * An enum member: absent is an error only if required.  A valid value is
 * rewritten to its canonical spelling; returns it, or NULL.
 */
static const char *
venum(struct vctx *v, json_t *obj, const char *key, const char *path,
    const char *const *set, int required)
{
	json_t *j = json_object_get(obj, key);
	char allowed[256];
	const char *s;
	int i;

	if (!j || json_is_null(j)) {
		if (required)
			verr(v, "- %s must not be null", path);
		return NULL;
	}
	if (json_is_string(j)) {
		s = json_string_value(j);
		for (i = 0; set[i]; i++)
			if (!strcasecmp(s, set[i])) {
				if (strcmp(s, set[i]) &&
				    json_object_set_new(obj, key,
				    json_string(set[i])) < 0)
					v->oom = 1;
				return set[i];
			}
	}
	join_set(allowed, sizeof allowed, set);
	if (json_is_string(j))
		verr(v, "- %s has invalid value '%s' (one of %s)", path,
		    json_string_value(j), allowed);
	else
		verr(v, "- %s must be one of %s", path, allowed);
	return NULL;
}

/* A string member; nonempty: absent or "" is an error. */
static const char *
vstr(struct vctx *v, const json_t *obj, const char *key, const char *path,
    int nonempty)
{
	json_t *j = json_object_get(obj, key);

	if (!j || json_is_null(j)) {
		if (nonempty)
			verr(v, "- %s must not be empty", path);
		return NULL;
	}
	if (!json_is_string(j)) {
		verr(v, "- %s must be a string", path);
		return NULL;
	}
	if (nonempty && !*json_string_value(j)) {
		verr(v, "- %s must not be empty", path);
		return NULL;
	}
	return json_string_value(j);
}

/* An integer member in [min, max]; returns 0 if valid (or absent and not
 * required), -1 otherwise. */
static int
vint(struct vctx *v, const json_t *obj, const char *key, const char *path,
    long long min, long long max, int required, long long *out)
{
	json_t *j = json_object_get(obj, key);
	long long x;

	if (!j || json_is_null(j)) {
		if (required) {
			verr(v, "- %s must not be null", path);
			return -1;
		}
		return 0;
	}
	if (!json_is_integer(j)) {
		verr(v, "- %s must be an integer", path);
		return -1;
	}
	x = json_integer_value(j);
	if (x < min || x > max) {
		if (max == NO_MAX)
			verr(v, "- %s must be greater than or equal to %lld",
			    path, min);
		else
			verr(v, "- %s must be between %lld and %lld", path,
			    min, max);
		return -1;
	}
	if (out)
		*out = x;
	return 0;
}

static void
vbool(struct vctx *v, const json_t *obj, const char *key, const char *path)
{
	json_t *j = json_object_get(obj, key);

	if (j && !json_is_null(j) && !json_is_boolean(j))
		verr(v, "- %s must be a boolean", path);
}

static void
vdur(struct vctx *v, const json_t *obj, const char *key, const char *path,
    int required)
{
	json_t *j = json_object_get(obj, key);
	long long ms;

	if (!j || json_is_null(j)) {
		if (required)
			verr(v, "- %s must not be null", path);
		return;
	}
	if (!json_is_string(j) ||
	    duration_parse_ms(json_string_value(j), &ms) < 0)
		verr(v, "- %s is not a valid duration (e.g. \"5 seconds\")",
		    path);
}

/* A map of strings (tags, env, headers). */
static void
vstrmap(struct vctx *v, const json_t *obj, const char *key, const char *path)
{
	json_t *j = json_object_get(obj, key), *val;
	const char *k;

	if (!j || json_is_null(j))
		return;
	if (!json_is_object(j)) {
		verr(v, "- %s must be an object of strings", path);
		return;
	}
	json_object_foreach(j, k, val)
		if (!json_is_string(val) && !json_is_null(val))
			verr(v, "- %s.%s must be a string", path, k);
}

/* An optional array member: returns it, NULL if absent or wrong type. */
static json_t *
varr(struct vctx *v, const json_t *obj, const char *key, const char *path,
    int nonempty)
{
	json_t *j = json_object_get(obj, key);

	if (!j || json_is_null(j)) {
		if (nonempty)
			verr(v, "- %s must not be empty", path);
		return NULL;
	}
	if (!json_is_array(j)) {
		verr(v, "- %s must be a list", path);
		return NULL;
	}
	if (nonempty && json_array_size(j) == 0) {
		verr(v, "- %s must not be empty", path);
		return NULL;
	}
	return j;
}

static json_t *
vobj(struct vctx *v, const json_t *obj, const char *key, const char *path,
    int required)
{
	json_t *j = json_object_get(obj, key);

	if (!j || json_is_null(j)) {
		if (required)
			verr(v, "- %s must not be null", path);
		return NULL;
	}
	if (!json_is_object(j)) {
		verr(v, "- %s must be an object", path);
		return NULL;
	}
	return j;
}

static int
port_exists(const json_t *spec, const char *name)
{
	json_t *ports = json_object_get(spec, "exposedPorts"), *p;
	size_t i;

	json_array_foreach(ports, i, p)
		if (!strcmp(js_str(p, "name", ""), name))
			return 1;
	return 0;
}

static int
base64_ok(const char *s)
{
	size_t n = 0, pad = 0;

	for (; *s; s++, n++) {
		if (*s == '=') {
			pad++;
			continue;
		}
		if (pad || !((*s >= 'A' && *s <= 'Z') ||
		    (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '+' || *s == '/'))
			return 0;
	}
	return pad <= 2 && (pad == 0 || n % 4 == 0);
}

static void
v_successcodes(struct vctx *v, const json_t *obj, const char *path,
    int nonempty)
{
	char p[PATH_MAX_LEN];
	json_t *a, *c;
	size_t i;

	pf(p, "%s.successCodes", path);
	if (!(a = varr(v, obj, "successCodes", p, nonempty)))
		return;
	json_array_foreach(a, i, c)
		if (!json_is_integer(c) || json_integer_value(c) < 100 ||
		    json_integer_value(c) > 599) {
			verr(v, "- %s[%zu] must be an HTTP status code", p, i);
			return;
		}
}

/* CheckModeSpec (checks' mode and preShutdown hooks). */
static void
v_mode(struct vctx *v, json_t *spec, json_t *m, const char *path,
    const char *what)
{
	char p[PATH_MAX_LEN];
	const char *type, *port;

	pf(p, "%s.type", path);
	if (!(type = venum(v, m, "type", p, check_modes, 1)))
		return;
	if (!strcmp(type, "CMD")) {
		pf(p, "%s.command", path);
		vstr(v, m, "command", p, 1);
		pf(p, "%s.shellDisabled", path);
		vbool(v, m, "shellDisabled", p);
		return;
	}
	pf(p, "%s.protocol", path);
	venum(v, m, "protocol", p, protocols, 1);
	pf(p, "%s.portName", path);
	port = vstr(v, m, "portName", p, 1);
	if (port && !port_exists(spec, port))
		verr(v, "Port %s used in %s not found in exposedPorts", port,
		    what);
	pf(p, "%s.path", path);
	vstr(v, m, "path", p, 1);
	pf(p, "%s.verb", path);
	venum(v, m, "verb", p, verbs, 1);
	v_successcodes(v, m, path, 1);
	pf(p, "%s.payload", path);
	vstr(v, m, "payload", p, 0);
	pf(p, "%s.connectionTimeout", path);
	vdur(v, m, "connectionTimeout", p, 0);
	pf(p, "%s.insecure", path);
	vbool(v, m, "insecure", p);
}

static void
v_check(struct vctx *v, json_t *spec, const char *key)
{
	char p[PATH_MAX_LEN];
	json_t *c, *m;

	if (!(c = vobj(v, spec, key, key, 1)))
		return;
	pf(p, "%s.mode", key);
	if ((m = vobj(v, c, "mode", p, 1)))
		v_mode(v, spec, m, p, key);
	pf(p, "%s.timeout", key);
	vdur(v, c, "timeout", p, 1);
	pf(p, "%s.interval", key);
	vdur(v, c, "interval", p, 1);
	pf(p, "%s.attempts", key);
	vint(v, c, "attempts", p, 1, 100, 1, NULL);
	pf(p, "%s.initialDelay", key);
	vdur(v, c, "initialDelay", p, 0);
}

static void
v_executable(struct vctx *v, json_t *spec)
{
	json_t *e;

	if (!(e = vobj(v, spec, "executable", "executable", 1)))
		return;
	venum(v, e, "type", "executable.type", exec_types, 0);
	vstr(v, e, "url", "executable.url", 1);
	vdur(v, e, "dockerPullTimeout", "executable.dockerPullTimeout", 1);
}

static void
v_ports(struct vctx *v, json_t *spec)
{
	json_t *a, *p, *q;
	size_t i, j;
	char path[PATH_MAX_LEN];

	if (!(a = varr(v, spec, "exposedPorts", "exposedPorts", 1)))
		return;
	json_array_foreach(a, i, p) {
		const char *name;

		if (!json_is_object(p)) {
			verr(v, "- exposedPorts[%zu] must be an object", i);
			continue;
		}
		pf(path, "exposedPorts[%zu].name", i);
		name = vstr(v, p, "name", path, 1);
		if (name && !ids_valid_name(name))
			verr(v, "- %s must match [a-zA-Z0-9_-]+", path);
		pf(path, "exposedPorts[%zu].port", i);
		vint(v, p, "port", path, 1, 65535, 1, NULL);
		pf(path, "exposedPorts[%zu].type", i);
		venum(v, p, "type", path, port_types, 1);
		if (!name)
			continue;
		for (j = 0; j < i; j++) {
			q = json_array_get(a, j);
			if (!strcmp(js_str(q, "name", ""), name)) {
				verr(v, "Duplicate port name %s in "
				    "exposedPorts", name);
				break;
			}
		}
	}
}

static int
mount_allowed(const struct spec_opts *o, const char *host)
{
	json_t *d;
	size_t i;

	if (!o || !json_is_array(o->allowed_mount_dirs) ||
	    json_array_size(o->allowed_mount_dirs) == 0)
		return 1;
	json_array_foreach(o->allowed_mount_dirs, i, d)
		if (json_is_string(d) && !strncmp(host, json_string_value(d),
		    strlen(json_string_value(d))))
			return 1;
	return 0;
}

static void
v_volumes(struct vctx *v, json_t *spec)
{
	json_t *a, *m;
	size_t i;
	char p[PATH_MAX_LEN];

	if (!(a = varr(v, spec, "volumes", "volumes", 0)))
		return;
	json_array_foreach(a, i, m) {
		const char *host;

		if (!json_is_object(m)) {
			verr(v, "- volumes[%zu] must be an object", i);
			continue;
		}
		pf(p, "volumes[%zu].pathInContainer", i);
		vstr(v, m, "pathInContainer", p, 1);
		pf(p, "volumes[%zu].pathOnHost", i);
		host = vstr(v, m, "pathOnHost", p, 1);
		pf(p, "volumes[%zu].mode", i);
		venum(v, m, "mode", p, volume_modes, 1);
		if (host && !mount_allowed(v->o, host))
			verr(v, "Volume mount path %s is not under any of "
			    "the allowed mount directories", host);
	}
}

static void
v_http_call(struct vctx *v, json_t *h, const char *path)
{
	char p[PATH_MAX_LEN];

	pf(p, "%s.protocol", path);
	venum(v, h, "protocol", p, protocols, 1);
	pf(p, "%s.hostname", path);
	vstr(v, h, "hostname", p, 1);
	pf(p, "%s.port", path);
	vint(v, h, "port", p, 0, 65535, 0, NULL);
	pf(p, "%s.path", path);
	vstr(v, h, "path", p, 0);
	pf(p, "%s.verb", path);
	venum(v, h, "verb", p, verbs, 0);
	v_successcodes(v, h, path, 0);
	pf(p, "%s.payload", path);
	vstr(v, h, "payload", p, 0);
	pf(p, "%s.connectionTimeout", path);
	vdur(v, h, "connectionTimeout", p, 0);
	pf(p, "%s.operationTimeout", path);
	vdur(v, h, "operationTimeout", p, 0);
	pf(p, "%s.username", path);
	vstr(v, h, "username", p, 0);
	pf(p, "%s.password", path);
	vstr(v, h, "password", p, 0);
	pf(p, "%s.authHeader", path);
	vstr(v, h, "authHeader", p, 0);
	pf(p, "%s.headers", path);
	vstrmap(v, h, "headers", p);
	pf(p, "%s.insecure", path);
	vbool(v, h, "insecure", p);
}

static void
v_configs(struct vctx *v, json_t *spec)
{
	json_t *a, *c, *h;
	size_t i;
	char p[PATH_MAX_LEN];

	if (!(a = varr(v, spec, "configs", "configs", 0)))
		return;
	json_array_foreach(a, i, c) {
		const char *type, *data;

		if (!json_is_object(c)) {
			verr(v, "- configs[%zu] must be an object", i);
			continue;
		}
		pf(p, "configs[%zu].localFilename", i);
		vstr(v, c, "localFilename", p, 1);
		pf(p, "configs[%zu].type", i);
		if (!(type = venum(v, c, "type", p, config_types, 1)))
			continue;
		if (!strcmp(type, "INLINE")) {
			pf(p, "configs[%zu].data", i);
			data = vstr(v, c, "data", p, 1);
			if (data && !base64_ok(data))
				verr(v, "- %s must be base64 encoded", p);
		} else if (!strcmp(type, "EXECUTOR_LOCAL_FILE")) {
			pf(p, "configs[%zu].filePathOnHost",
			    i);
			vstr(v, c, "filePathOnHost", p, 1);
		} else {
			pf(p, "configs[%zu].http", i);
			if ((h = vobj(v, c, "http", p, 1)))
				v_http_call(v, h, p);
		}
	}
}

static void
v_logging(struct vctx *v, json_t *spec)
{
	const char *type, *size;
	json_t *l;
	long long b;

	if (!(l = vobj(v, spec, "logging", "logging", 0)))
		return;
	if (!(type = venum(v, l, "type", "logging.type", logging_types, 1)))
		return;
	if (!strcmp(type, "LOCAL")) {
		size = vstr(v, l, "maxSize", "logging.maxSize", 1);
		if (size && size_parse_bytes(size, &b) < 0)
			verr(v, "- logging.maxSize is not a valid size "
			    "(e.g. \"10m\")");
		vint(v, l, "maxFiles", "logging.maxFiles", 1, 100, 1, NULL);
		vbool(v, l, "compress", "logging.compress");
	} else {
		vstr(v, l, "server", "logging.server", 1);
		vstr(v, l, "tagPrefix", "logging.tagPrefix", 0);
		vstr(v, l, "tagSuffix", "logging.tagSuffix", 0);
	}
}

static void
v_resources(struct vctx *v, json_t *spec)
{
	json_t *a, *r;
	size_t i;
	int cpu = 0, mem = 0;
	char p[PATH_MAX_LEN];

	if (!(a = varr(v, spec, "resources", "resources", 1)))
		goto check;
	json_array_foreach(a, i, r) {
		const char *type;

		if (!json_is_object(r)) {
			verr(v, "- resources[%zu] must be an object", i);
			continue;
		}
		pf(p, "resources[%zu].type", i);
		if (!(type = venum(v, r, "type", p, resource_types, 1)))
			continue;
		if (!strcmp(type, "CPU")) {
			cpu = 1;
			pf(p, "resources[%zu].count", i);
			vint(v, r, "count", p, 1, NO_MAX, 1, NULL);
		} else {
			mem = 1;
			pf(p, "resources[%zu].sizeInMB", i);
			vint(v, r, "sizeInMB", p, 1, NO_MAX, 1, NULL);
		}
	}
check:
	if (!cpu)
		verr(v, "Cpu requirements are mandatory");
	if (!mem)
		verr(v, "Memory requirements are mandatory");
}

static void
v_placement(struct vctx *v, json_t *pp, const char *path, int depth)
{
	char p[PATH_MAX_LEN];
	const char *type;
	json_t *a, *sub;
	size_t i;

	if (!json_is_object(pp)) {
		verr(v, "- %s must be an object", path);
		return;
	}
	if (depth > PLACEMENT_MAX_DEPTH) {
		verr(v, "- %s is nested too deeply", path);
		return;
	}
	pf(p, "%s.type", path);
	if (!(type = venum(v, pp, "type", p, placement_types, 1)))
		return;
	if (!strcmp(type, "LOCAL")) {
		verr(v, "Local service placement is not allowed for %s",
		    v->kind ? v->kind : "apps");
	} else if (!strcmp(type, "MAX_N_PER_HOST")) {
		pf(p, "%s.max", path);
		vint(v, pp, "max", p, 1, 64, 1, NULL);
	} else if (!strcmp(type, "MATCH_TAG")) {
		pf(p, "%s.tag", path);
		vstr(v, pp, "tag", p, 1);
	} else if (!strcmp(type, "RULE_BASED")) {
		const char *rt, *text;
		struct rule *r;

		pf(p, "%s.ruleType", path);
		rt = venum(v, pp, "ruleType", p, rule_types, 1);
		pf(p, "%s.rule", path);
		text = vstr(v, pp, "rule", p, 1);
		if (rt && text && *text) {
			if ((r = rule_compile(rt, text)))
				rule_free(r);
			else if (errno == ENOMEM)
				v->oom = 1;
			else
				verr(v, "- placementPolicy rule does not parse: "
				    "%s", err_text());
		}
	} else if (!strcmp(type, "COMPOSITE")) {
		pf(p, "%s.combiner", path);
		venum(v, pp, "combiner", p, combiners, 0);
		pf(p, "%s.policies", path);
		if (!(a = varr(v, pp, "policies", p, 1)))
			return;
		json_array_foreach(a, i, sub) {
			pf(p, "%s.policies[%zu]", path, i);
			v_placement(v, sub, p, depth + 1);
		}
	}
}

static void
v_args(struct vctx *v, json_t *spec)
{
	json_t *a, *s;
	size_t i, len = 0;

	if (!(a = varr(v, spec, "args", "args", 0)))
		return;
	json_array_foreach(a, i, s) {
		if (!json_is_string(s)) {
			verr(v, "- args[%zu] must be a string", i);
			return;
		}
		len += json_string_length(s) + (i ? 1 : 0);
	}
	if (json_array_size(a) > 0 && v->o && v->o->disable_cmdl_args)
		verr(v, "Passing command line arguments is disabled "
		    "on this cluster");
	if (len > SPEC_MAX_ARGS_LEN)
		verr(v, "Command line arguments must not exceed %d "
		    "characters when joined", SPEC_MAX_ARGS_LEN);
}

static void
v_devices(struct vctx *v, json_t *spec)
{
	json_t *a, *d;
	size_t i;
	char p[PATH_MAX_LEN];

	if (!(a = varr(v, spec, "devices", "devices", 0)))
		return;
	if (json_array_size(a) > 0 && (!v->o ||
	    !v->o->enable_raw_device_access)) {
		verr(v, "Raw device access is disabled on this cluster");
		return;
	}
	json_array_foreach(a, i, d) {
		const char *type;

		if (!json_is_object(d)) {
			verr(v, "- devices[%zu] must be an object", i);
			continue;
		}
		pf(p, "devices[%zu].type", i);
		if (!(type = venum(v, d, "type", p, device_types, 1)))
			continue;
		if (!strcmp(type, "DIRECT")) {
			pf(p, "devices[%zu].pathOnHost", i);
			vstr(v, d, "pathOnHost", p, 1);
			pf(p, "devices[%zu].pathInContainer",
			    i);
			vstr(v, d, "pathInContainer", p, 0);
			pf(p, "devices[%zu].permissions", i);
			venum(v, d, "permissions", p, device_perms, 0);
		} else {
			pf(p, "devices[%zu].driver", i);
			vstr(v, d, "driver", p, 0);
			pf(p, "devices[%zu].count", i);
			vint(v, d, "count", p, -1, NO_MAX, 0, NULL);
		}
	}
}

static void
v_exposure(struct vctx *v, json_t *spec)
{
	const char *port;
	json_t *e;

	if (!(e = vobj(v, spec, "exposureSpec", "exposureSpec", 0)))
		return;
	vstr(v, e, "vhost", "exposureSpec.vhost", 1);
	port = vstr(v, e, "portName", "exposureSpec.portName", 1);
	if (port && !port_exists(spec, port))
		verr(v, "Port %s used in exposureSpec not found in "
		    "exposedPorts", port);
	venum(v, e, "mode", "exposureSpec.mode", exposure_modes, 0);
}

static void
v_preshutdown(struct vctx *v, json_t *spec)
{
	json_t *ps, *a, *h;
	size_t i;
	char p[PATH_MAX_LEN];

	if (!(ps = vobj(v, spec, "preShutdown", "preShutdown", 0)))
		return;
	if ((a = varr(v, ps, "hooks", "preShutdown.hooks", 0)))
		json_array_foreach(a, i, h) {
			pf(p, "preShutdown.hooks[%zu]", i);
			if (!json_is_object(h))
				verr(v, "- %s must be an object", p);
			else
				v_mode(v, spec, h, p, "preShutdown");
		}
	vdur(v, ps, "waitBeforeKill", "preShutdown.waitBeforeKill", 0);
}

static void
v_user(struct vctx *v, json_t *spec)
{
	json_t *u;

	if (!(u = vobj(v, spec, "userSpec", "userSpec", 0)))
		return;
	vstr(v, u, "user", "userSpec.user", 1);
	vstr(v, u, "group", "userSpec.group", 0);
}

/* Only {"type":"LOCAL","hostLevel":bool}, for local services (§2.2). */
static void
v_local_placement(struct vctx *v, json_t *spec)
{
	json_t *pp = json_object_get(spec, "placementPolicy");
	const char *type;

	if (!pp || json_is_null(pp)) {
		verr(v, "Only local placement is allowed for local services");
		return;
	}
	if (!json_is_object(pp)) {
		verr(v, "- placementPolicy must be an object");
		return;
	}
	if (!(type = venum(v, pp, "type", "placementPolicy.type",
	    placement_types, 1)))
		return;
	if (strcmp(type, "LOCAL")) {
		verr(v, "Only local placement is allowed for local services");
		return;
	}
	vbool(v, pp, "hostLevel", "placementPolicy.hostLevel");
}

/* The fields an application shares with a task and a local service:
 * executable, volumes, configs, logging, resources, placementPolicy (only
 * LOCAL for a local service), tags, env, args, devices and userSpec. */
static void
v_deployable(struct vctx *v, json_t *spec, int local)
{
	json_t *pp;

	v_executable(v, spec);
	v_volumes(v, spec);
	v_configs(v, spec);
	v_logging(v, spec);
	v_resources(v, spec);
	pp = json_object_get(spec, "placementPolicy");
	if (local)
		v_local_placement(v, spec);
	else if (pp && !json_is_null(pp))
		v_placement(v, pp, "placementPolicy", 0);
	vstrmap(v, spec, "tags", "tags");
	vstrmap(v, spec, "env", "env");
	v_args(v, spec);
	v_devices(v, spec);
	v_user(v, spec);
}

/*
 * What an ApplicationSpec and a LocalServiceSpec have beyond that; what
 * names the kind in messages ("Application", "Local service").  A local
 * service has no exposureSpec (a member of that name is ignored like any
 * unknown member).
 */
static void
v_service(struct vctx *v, json_t *spec, const char *what, int local)
{
	const char *s;

	if (!json_is_object(spec)) {
		verr(v, "- %s spec is mandatory", what);
		return;
	}
	s = js_str(spec, "name", NULL);
	if (!s || !*s)
		verr(v, "- %s name is mandatory", what);
	else if (!ids_valid_name(s))
		verr(v, "- %s name must match [a-zA-Z0-9_-]+", what);
	s = js_str(spec, "version", NULL);
	if (!s || !*s)
		verr(v, "- %s version is mandatory", what);
	else if (!ids_valid_name(s))
		verr(v, "- %s version must match [a-zA-Z0-9_-]+", what);
	venum(v, spec, "type", "type", job_types, 1);
	v_ports(v, spec);
	v_check(v, spec, "healthcheck");
	v_check(v, spec, "readiness");
	if (!local)
		v_exposure(v, spec);
	v_preshutdown(v, spec);
	v_deployable(v, spec, local);
}

static void
v_spec(struct vctx *v, json_t *spec)
{
	v_service(v, spec, "Application", 0);
}

static int
vdone(const struct vctx *v)
{
	if (v->oom) {
		errno = ENOMEM;
		return -1;
	}
	return v->n;
}

void
spec_opts_from_cfg(const json_t *cfg, struct spec_opts *o)
{
	json_t *d = js_get(cfg, "options.allowedMountDirs");

	o->allowed_mount_dirs = json_is_array(d) ? d : NULL;
	o->disable_cmdl_args = js_get(cfg, "options.disableCmdlArgs") ==
	    json_true();
	o->enable_raw_device_access =
	    js_get(cfg, "options.enableRawDeviceAccess") == json_true();
}

int
spec_validate(json_t *spec, const struct spec_opts *o, json_t *errs)
{
	struct vctx v = { errs, o, 0, 0, NULL };

	v_spec(&v, spec);
	return vdone(&v);
}

/* --- TaskSpec (drove.md §2.1) --------------------------------------- */

static void
v_task_id(struct vctx *v, const json_t *spec, const char *key,
    const char *mandatory)
{
	const char *s = js_str(spec, key, NULL);

	if (!s || !*s)
		verr(v, "%s", mandatory);
	else if (!ids_valid_name(s))
		verr(v, "- Only characters, numbers, hyphen and underscore "
		    "is allowed");
}

int
spec_validate_task(json_t *spec, const struct spec_opts *o, json_t *errs)
{
	struct vctx v = { errs, o, 0, 0, "tasks" };

	if (!json_is_object(spec)) {
		verr(&v, "- Task spec is mandatory");
		return vdone(&v);
	}
	v_task_id(&v, spec, "sourceAppName",
	    "- Source Application name is mandatory");
	v_task_id(&v, spec, "taskId", "- Task ID is mandatory");
	v_deployable(&v, spec, 0);
	return vdone(&v);
}

/* op's ClusterOpSpec under key ("opSpec"; a local service's RESTART:
 * "clusterOpSpec"). */
static void
v_opspec_at(struct vctx *v, json_t *op, const char *key)
{
	char p[PATH_MAX_LEN];
	json_t *o;

	if (!(o = vobj(v, op, key, key, 0)))
		return;
	pf(p, "%s.timeout", key);
	vdur(v, o, "timeout", p, 1);
	pf(p, "%s.parallelism", key);
	vint(v, o, "parallelism", p, 1, 512, 1, NULL);
	pf(p, "%s.failureStrategy", key);
	venum(v, o, "failureStrategy", p, failure_strategies, 1);
}

static void
v_opspec(struct vctx *v, json_t *op)
{
	v_opspec_at(v, op, "opSpec");
}

int
spec_validate_local_service(json_t *spec, const struct spec_opts *o,
    json_t *errs)
{
	struct vctx v = { errs, o, 0, 0, NULL };

	v_service(&v, spec, "Local service", 1);
	return vdone(&v);
}

int
spec_validate_opspec(json_t *opspec, json_t *errs)
{
	struct vctx v = { errs, NULL, 0, 0, NULL };
	json_t *wrap = json_pack("{s:O}", "opSpec", opspec);

	if (!wrap) {
		errno = ENOMEM;
		return -1;
	}
	v_opspec(&v, wrap);
	json_decref(wrap);
	return vdone(&v);
}

static void
v_ids(struct vctx *v, const json_t *op, int nonempty)
{
	json_t *a, *s;
	size_t i;

	if (!(a = varr(v, op, "instanceIds", "instanceIds", nonempty)))
		return;
	json_array_foreach(a, i, s)
		if (!json_is_string(s) || !*json_string_value(s)) {
			verr(v, "- instanceIds[%zu] must be a non-empty "
			    "string", i);
			return;
		}
}

int
spec_validate_op(json_t *op, const struct spec_opts *o, json_t *errs)
{
	struct vctx v = { errs, o, 0, 0, NULL };
	const char *type;
	json_t *spec;

	if (!json_is_object(op)) {
		verr(&v, "- Operation must be a JSON object");
		return vdone(&v);
	}
	if (!(type = venum(&v, op, "type", "type", op_types, 1)))
		return vdone(&v);
	if (!strcmp(type, "CREATE")) {
		spec = json_object_get(op, "spec");
		v_spec(&v, spec);
		vint(&v, op, "instances", "instances", 0, SPEC_MAX_INSTANCES,
		    0, NULL);
	} else {
		vstr(&v, op, "appId", "appId", 1);
		if (!strcmp(type, "SCALE"))
			vint(&v, op, "requiredInstances", "requiredInstances",
			    0, SPEC_MAX_INSTANCES, 1, NULL);
		else if (!strcmp(type, "START_INSTANCES"))
			vint(&v, op, "instances", "instances", 0,
			    SPEC_MAX_START_INSTANCES, 1, NULL);
		else if (!strcmp(type, "STOP_INSTANCES")) {
			v_ids(&v, op, 1);
			vbool(&v, op, "skipRespawn", "skipRespawn");
		} else if (!strcmp(type, "REPLACE_INSTANCES")) {
			v_ids(&v, op, 0);
			vbool(&v, op, "stopFirst", "stopFirst");
		}
	}
	v_opspec(&v, op);
	return vdone(&v);
}

/* --- task and local-service operations ------------------------------- */

static const char *const task_op_types[] = { "CREATE", "KILL", NULL };

int
spec_validate_task_op(json_t *op, const struct spec_opts *o, json_t *errs)
{
	struct vctx v = { errs, o, 0, 0, NULL };
	const char *type;
	json_t *spec;
	int n;

	if (!json_is_object(op)) {
		verr(&v, "- Operation must be a JSON object");
		return vdone(&v);
	}
	if (!(type = venum(&v, op, "type", "type", task_op_types, 1)))
		return vdone(&v);
	if (!strcmp(type, "KILL")) {
		vstr(&v, op, "sourceAppName", "sourceAppName", 1);
		vstr(&v, op, "taskId", "taskId", 1);
		return vdone(&v);
	}
	spec = json_object_get(op, "spec");
	if (!json_is_object(spec)) {
		verr(&v, "- spec must not be null");
		return vdone(&v);
	}
	if ((n = vdone(&v)) != 0)
		return n;
	return spec_validate_task(spec, o, errs);
}

int
spec_validate_ls_op(json_t *op, const struct spec_opts *o, json_t *errs)
{
	struct vctx v = { errs, o, 0, 0, NULL };
	enum ls_op_type t;
	json_t *spec;

	if (!json_is_object(op)) {
		verr(&v, "- Operation must be a JSON object");
		return vdone(&v);
	}
	if (ls_op_type_of_api(js_str(op, "type", NULL), &t) < 0) {
		verr(&v, "- type must be one of ACTIVATE, ADJUST_INSTANCES, "
		    "CREATE, DEACTIVATE, DEPLOY_TEST_INSTANCE, DESTROY, "
		    "REPLACE_INSTANCES, RESTART, STOP, STOP_INSTANCES, "
		    "UPDATE_INSTANCE_COUNT");
		return vdone(&v);
	}
	if (t == LSOP_CREATE) {
		spec = json_object_get(op, "spec");
		if (!json_is_object(spec))
			verr(&v, "- spec must not be null");
		else
			v_service(&v, spec, "Local service", 1);
	} else
		vstr(&v, op, "serviceId", "serviceId", 1);
	if (t == LSOP_CREATE || t == LSOP_UPDATE_INSTANCE_COUNT)
		vint(&v, op, "instancesPerHost", "instancesPerHost", 1,
		    SPEC_MAX_PER_HOST, 1, NULL);
	if (t == LSOP_STOP_INSTANCES || t == LSOP_REPLACE_INSTANCES)
		v_ids(&v, op, t == LSOP_STOP_INSTANCES);
	if (t == LSOP_RESTART || t == LSOP_REPLACE_INSTANCES)
		vbool(&v, op, "stopFirst", "stopFirst");
	v_opspec_at(&v, op, t == LSOP_RESTART ? "clusterOpSpec" : "opSpec");
	return vdone(&v);
}

static void
mask_http(json_t *h)
{
	static const char *const keys[] = {
		"username", "password", "authHeader", NULL
	};
	int i;

	if (!json_is_object(h))
		return;
	for (i = 0; keys[i]; i++)
		if (json_is_string(json_object_get(h, keys[i])))
			json_object_set_new(h, keys[i], json_string("***"));
}

json_t *
spec_masked(const json_t *spec)
{
	json_t *copy = json_deep_copy(spec), *c;
	size_t i;

	if (!copy) {
		errno = ENOMEM;
		return NULL;
	}
	json_array_foreach(json_object_get(copy, "configs"), i, c) {
		if (!strcmp(js_str(c, "type", ""), "INLINE") &&
		    json_object_get(c, "data"))
			json_object_set_new(c, "data", json_string(""));
		mask_http(json_object_get(c, "http"));
	}
	return copy;
}
