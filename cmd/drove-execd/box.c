#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "duration.h"
#include "err.h"
#include "execd.h"

/* A free port on the publish address, as Drove's new ServerSocket(0). */
static int
free_port(int udp)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int fd, port = -1;

	if ((fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0)) < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	if (inet_pton(AF_INET, X.publish_addr, &sa.sin_addr) != 1)
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static json_t *
spec_ports(const json_t *spec)
{
	json_t *p = json_object_get(spec, "ports");

	return p ? p : json_object_get(spec, "exposedPorts");
}

int
box_host_level(const struct inst *in)
{
	return in->job == JOB_LOCAL_SERVICE && js_bool(in->spec,
	    "hostLevelInstance", 0);
}

int
box_pick_ports(struct inst *in)
{
	json_t *ports = json_object(), *p, *old;
	int hp, same = box_host_level(in);
	size_t i;

	json_array_foreach(spec_ports(in->spec), i, p) {
		const char *type = js_str(p, "type", "HTTP");

		if (same)	/* the container port on the host */
			hp = (int)js_int(p, "port", 0);
		else if ((hp = free_port(!strcasecmp(type, "UDP"))) < 0) {
			json_decref(ports);
			return -1;
		}
		json_object_set_new(ports, js_str(p, "name", "main"),
		    json_pack("{s:I,s:i,s:s}", "containerPort",
		    js_int(p, "port", 0), "hostPort", hp, "portType", type));
	}
	pthread_mutex_lock(&X.mu);
	old = in->ports;
	in->ports = ports;
	pthread_mutex_unlock(&X.mu);
	json_decref(old);
	return 0;
}

static void
envf(json_t *env, const char *k, const char *v)
{
	char *s = xasprintf("%s=%s", k, v);

	json_array_append_new(env, json_string(s));
	free(s);
}

static const char *
perm(const char *p)
{
	static const char *const map[][2] = {
		{ "READ_ONLY", "r" }, { "WRITE_ONLY", "w" },
		{ "MKNOD_ONLY", "m" }, { "READ_WRITE", "rw" }, { "ALL", "rwm" },
	};
	size_t i;

	for (i = 0; p && i < sizeof map / sizeof map[0]; i++)
		if (!strcasecmp(p, map[i][0]))
			return map[i][1];
	return "rwm";
}

/* cpuset string from the CPU allocation; mems from its NUMA nodes. */
static void
cpusets(const json_t *spec, struct buf *cpus, struct buf *mems,
    long long *mem_bytes)
{
	json_t *res = json_object_get(spec, "resources"), *r, *v, *ids, *c;
	const char *node;
	size_t i, j;
	int core;

	*mem_bytes = 0;
	json_array_foreach(res, i, r) {
		if (!strcasecmp(js_str(r, "type", ""), "CPU")) {
			json_object_foreach(json_object_get(r, "cores"), node,
			    ids) {
				if (json_array_size(ids) && mems->len)
					buf_adds(mems, ",");
				if (json_array_size(ids))
					buf_adds(mems, node);
				json_array_foreach(ids, j, c) {
					core = (int)json_integer_value(c);
					/* vcore (c+1)*p+i, 1 <= i <= p */
					if (X.overprov_prime)
						core = (core - 1) /
						    X.overprov_prime - 1;
					buf_addf(cpus, "%s%d",
					    cpus->len ? "," : "", core);
				}
			}
		} else if (!strcasecmp(js_str(r, "type", ""), "MEMORY")) {
			json_object_foreach(json_object_get(r, "memoryInMB"),
			    node, v) {
				*mem_bytes += json_integer_value(v) << 20;
			}
		}
	}
}

static json_t *
log_config(const json_t *spec, const char *iid)
{
	json_t *l = json_object_get(spec, "loggingSpec"), *cfg;
	char *tag;

	if (!l)
		l = json_object_get(spec, "logging");
	if (!strcasecmp(js_str(l, "type", "LOCAL"), "RSYSLOG")) {
		tag = xasprintf("%s%s%s", js_str(l, "tagPrefix", ""),
		    iid, js_str(l, "tagSuffix", ""));
		cfg = json_pack("{s:s,s:s,s:s}", "syslog-address",
		    js_str(l, "server", ""), "tag", tag, "syslog-facility",
		    "daemon");
		free(tag);
		return json_pack("{s:s,s:o}", "Type", "syslog", "Config", cfg);
	}
	cfg = json_pack("{s:s,s:s,s:s}", "max-size", js_str(l, "maxSize",
	    "10m"), "max-file", "3", "compress", js_bool(l, "compress", 1) ?
	    "true" : "false");
	if (json_is_integer(json_object_get(l, "maxFiles"))) {
		char n[24];

		snprintf(n, sizeof n, "%lld", js_int(l, "maxFiles", 3));
		json_object_set_new(cfg, "max-file", json_string(n));
	}
	return json_pack("{s:s,s:o}", "Type", "json-file", "Config", cfg);
}

json_t *
box_body(struct inst *in, json_t *info)
{
	const json_t *spec = in->spec;
	json_t *body, *hc, *env, *labels, *exposed, *bind, *binds, *devs, *v;
	json_t *args;
	struct rec_assignment ra;
	struct buf cpus = BUF_ZERO, mems = BUF_ZERO;
	const char *k, *image = js_str(js_get(spec, "executable"), "url", "");
	char key[32], hp[16], *s;
	long long mem;
	size_t i;

	env = json_array();
	envf(env, "HOST", X.hostname);
	json_object_foreach(json_object_get(spec, "env"), k, v) {
		if (json_is_string(v))
			envf(env, k, json_string_value(v));
	}
	envf(env, "DROVE_CONTAINER_ID", image);
	exposed = json_object();
	bind = json_object();
	json_object_foreach(in->ports, k, v) {
		snprintf(key, sizeof key, "%lld/%s", js_int(v, "containerPort",
		    0), !strcasecmp(js_str(v, "portType", ""), "UDP") ? "udp" :
		    "tcp");
		snprintf(hp, sizeof hp, "%lld", js_int(v, "hostPort", 0));
		json_object_set_new(exposed, key, json_object());
		json_object_set_new(bind, key, json_pack("[{s:s,s:s}]",
		    "HostIp", X.publish_addr, "HostPort", hp));
		snprintf(key, sizeof key, "PORT_%lld", js_int(v,
		    "containerPort", 0));
		envf(env, key, hp);
	}
	envf(env, "DROVE_EXECUTOR_HOST", X.hostname);
	if (in->job == JOB_LOCAL_SERVICE) {
		envf(env, "DROVE_SERVICE_ID", in->app_id);
		envf(env, "DROVE_SERVICE_NAME", in->app_name);
		envf(env, "DROVE_SERVICE_INSTANCE_ID", in->id);
	} else if (in->job == JOB_COMPUTATION) {
		envf(env, "DROVE_TASK_ID", in->task_id);
		envf(env, "DROVE_INSTANCE_ID", in->id);
		envf(env, "DROVE_SOURCE_APP_NAME", in->app_id);
	} else {
		envf(env, "DROVE_INSTANCE_ID", in->id);
		envf(env, "DROVE_APP_ID", in->app_id);
		envf(env, "DROVE_APP_NAME", in->app_name);
	}
	/* the instance token, for apps and local services (as Drove: a
	   task gets none) */
	if (in->job != JOB_COMPUTATION && rec_assignment_read(spec, &ra) ==
	    0 && ra.auth_token && ra.auth_token[0])
		envf(env, "DROVE_APP_INSTANCE_AUTH_TOKEN", ra.auth_token);

	s = js_dump(spec);
	labels = json_pack("{s:s,s:s,s:s,s:s}", "drove.job.type",
	    job_type_name(in->job),
	    "drove.instance.id", in->id, "drove.instance.spec", s ? s : "{}",
	    "drove.executor.id", X.executor_id);
	free(s);
	s = js_dump(info);
	json_object_set_new(labels, "drove.instance.info",
	    json_string(s ? s : "{}"));
	free(s);

	cpusets(spec, &cpus, &mems, &mem);
	hc = json_pack("{s:o,s:[{s:s,s:I,s:I}],s:o}", "PortBindings", bind,
	    "Ulimits", "Name", "nofile", "Soft", X.max_open_files, "Hard",
	    X.max_open_files, "LogConfig", log_config(spec, in->id));
	if (cpus.len)
		json_object_set_new(hc, "CpusetCpus", json_string(cpus.s));
	if (mems.len && X.numa_pinning)
		json_object_set_new(hc, "CpusetMems", json_string(mems.s));
	if (mem > 0)
		json_object_set_new(hc, "Memory", json_integer(mem));
	buf_free(&cpus);
	buf_free(&mems);
	binds = json_array();
	json_array_foreach(json_object_get(spec, "volumes"), i, v) {
		s = xasprintf("%s:%s:%s", js_str(v, "pathOnHost", ""),
		    js_str(v, "pathInContainer", ""), !strcasecmp(js_str(v,
		    "mode", ""), "READ_ONLY") ? "ro" : "rw");
		json_array_append_new(binds, json_string(s));
		free(s);
	}
	json_object_set_new(hc, "Binds", binds);
	devs = json_array();
	json_array_foreach(json_object_get(spec, "devices"), i, v) {
		if (strcasecmp(js_str(v, "type", "DIRECT"), "DIRECT"))
			continue;
		json_array_append_new(devs, json_pack("{s:s,s:s,s:s}",
		    "PathOnHost", js_str(v, "pathOnHost", ""),
		    "PathInContainer", js_str(v, "pathInContainer",
		    js_str(v, "pathOnHost", "")), "CgroupPermissions",
		    perm(js_str(v, "permissions", NULL))));
	}
	json_object_set_new(hc, "Devices", devs);

	body = json_pack("{s:s,s:o,s:o,s:o,s:o}", "Image", image, "Env", env,
	    "Labels", labels, "ExposedPorts", exposed, "HostConfig", hc);
	args = json_object_get(spec, "args");
	if (json_array_size(args))
		json_object_set(body, "Cmd", args);
	v = json_object_get(spec, "userSpec");
	if (js_str(v, "user", NULL)) {
		s = js_str(v, "group", NULL) ? xasprintf("%s:%s", js_str(v,
		    "user", ""), js_str(v, "group", "")) :
		    xstrdup(js_str(v, "user", ""));
		json_object_set_new(body, "User", json_string(s));
		free(s);
	}
	return body;
}
