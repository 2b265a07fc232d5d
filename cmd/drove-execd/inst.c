#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "engine.h"
#include "err.h"
#include "event.h"
#include "sig.h"
#include "execd.h"
#include "record.h"
#include "zkpath.h"

void
inst_wake_main(void)
{
	char c = 1;

	if (write(X.wake[1], &c, 1) < 0) {
		/* the pipe is full: main is awake anyway */
	}
}

/* InstanceInfo (LocalServiceInstanceInfo for a local-service instance) as
 * Drove's executor reports it; X.mu held. */
json_t *
inst_info(struct inst *in)
{
	json_t *ji = rec_instance_new(&(struct rec_instance){
	    .job = in->job, .app_id = in->app_id, .app_name = in->app_name,
	    .instance_id = in->id, .executor_id = X.executor_id,
	    .hostname = X.hostname, .ports = in->ports,
	    .resources = json_object_get(in->spec, "resources"),
	    .state = in->state, .error = in->errmsg,
	    .created = in->created, .updated = js_now_ms() });

	if (!ji)
		die(EXIT_TEMP, "out of memory");
	return ji;
}

static void
set_state(struct inst *in, enum inst_state state, const char *err)
{
	char path[ZKP_MAX];
	json_t *ji, *ev = NULL;
	int r;

	pthread_mutex_lock(&X.mu);
	in->state = state;
	if (err)
		snprintf(in->errmsg, sizeof in->errmsg, "%s", err);
	ji = inst_info(in);
	/* an event only for a state not written before */
	if ((int)state != in->written &&
	    !(ev = rec_event_instance_state(ji, js_now_ms())))
		die(EXIT_TEMP, "out of memory");
	pthread_mutex_unlock(&X.mu);
	info("instance %s: %s%s%s", in->id, inst_state_name(state),
	    err ? ": " : "", err ? err : "");
	pthread_rwlock_rdlock(&X.zkrw);
	if (!X.closing) {
		r = rec_assignment_info_path(path, X.ns,
		    &(struct rec_assignment){ .job = in->job,
		    .app_id = in->app_id, .instance_id = in->id,
		    .task_id = "" });
		if (r == 0)
			r = ev ? event_put(X.zk, path, ji, ev) :
			    zk_put_json(X.zk, path, ji, 0);
		if (r < 0)
			warn("unable to write '%s': %s", path, err_text());
		else {
			pthread_mutex_lock(&X.mu);
			in->written = state;
			pthread_mutex_unlock(&X.mu);
		}
	}
	pthread_rwlock_unlock(&X.zkrw);
	json_decref(ji);
	json_decref(ev);
	inst_wake_main();
}

/* Sleep up to ms (forever if < 0) unless a stop or a death arrives. */
int
wait_for(struct inst *in, long long ms)
{
	struct timespec dl;
	int r = W_TIMEOUT;

	deadline_after(&dl, CLOCK_MONOTONIC, ms);
	pthread_mutex_lock(&X.mu);
	for (;;) {
		if (in->died) {
			r = W_DIED;
			break;
		}
		if (in->stop) {
			r = W_STOP;
			break;
		}
		if (ms == 0)
			break;
		if (ms < 0)
			pthread_cond_wait(&in->cv, &X.mu);
		else if (pthread_cond_timedwait(&in->cv, &X.mu, &dl) ==
		    ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&X.mu);
	return r;
}

/* Logs: the container's stdout/stderr appended to output.log. */
static int
log_chunk(void *arg, int stream, const char *data, size_t n)
{
	int fd = *(int *)arg;

	(void)stream;
	while (n > 0) {
		ssize_t w = write(fd, data, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return 0;	/* keep following; drop output */
		}
		data += w;
		n -= (size_t)w;
	}
	return 0;
}

struct logarg {
	struct inst *in;
	char container[96];
	long long since;
};

static int
mkdirs(char *path)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static void *
log_main(void *arg)
{
	struct logarg *la = arg;
	struct inst *in = la->in;
	char *dir, *file;
	int fd;

	dir = xasprintf("%s/%s/%s", X.log_path, in->app_id,
	    in->job == JOB_COMPUTATION ? in->task_id : in->id);
	file = xasprintf("%s/output.log", dir);
	if (mkdirs(dir) < 0 || (fd = open(file, O_WRONLY | O_CREAT |
	    O_APPEND | O_CLOEXEC, 0644)) < 0) {
		warnsys("unable to open '%s'", file);
		goto out;
	}
	if (engine_logs(X.eng, la->container, la->since, log_chunk, &fd,
	    &in->log_cancel) < 0 && errno != ECANCELED)
		dbg("%s: logs: %s", in->id, err_text());
	close(fd);
out:
	free(dir);
	free(file);
	free(la);
	return NULL;
}

void
logs_start(struct inst *in, const char *container, long long since)
{
	struct logarg *la;

	if (!X.log_path || in->log_running)
		return;
	la = xcalloc(1, sizeof *la);
	la->in = in;
	la->since = since;
	snprintf(la->container, sizeof la->container, "%s", container);
	atomic_store(&in->log_cancel, 0);
	if (pthread_create(&in->log_th, NULL, log_main, la) != 0) {
		warn("%s: unable to start the log follower", in->id);
		free(la);
		return;
	}
	in->log_running = 1;
}

void
logs_stop(struct inst *in)
{
	if (!in->log_running)
		return;
	atomic_store(&in->log_cancel, 1);
	pthread_join(in->log_th, NULL);
	in->log_running = 0;
}

void
logs_drain(struct inst *in, long long ms)
{
	struct timespec dl;

	if (!in->log_running)
		return;
	deadline_after(&dl, CLOCK_REALTIME, ms);
	if (pthread_timedjoin_np(in->log_th, NULL, &dl) == 0) {
		in->log_running = 0;
		return;
	}
	logs_stop(in);
}

void
set_container(struct inst *in, const char *id)
{
	pthread_mutex_lock(&X.mu);
	snprintf(in->container, sizeof in->container, "%s", id ? id : "");
	pthread_mutex_unlock(&X.mu);
}

int
provision(struct inst *in, char *err, size_t errlen)
{
	const json_t *ex = json_object_get(in->spec, "executable");
	const char *image = js_str(ex, "url", NULL);
	int r;

	if (!image || !*image) {
		snprintf(err, errlen, "no executable url in the spec");
		return -1;
	}
	if ((r = engine_image_exists(X.eng, image)) == 1)
		return 0;
	if (r == 0 && engine_pull(X.eng, image, (long)dur_ms(ex,
	    "dockerPullTimeout", 15 * 60 * 1000LL)) == 0)
		return 0;
	snprintf(err, errlen, "Error pulling image %s: %s", image,
	    err_text());
	return -1;
}

/* Config files: INLINE (base64) and EXECUTOR_LOCAL_FILE. */
static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

static int
b64dec(const char *s, struct buf *out)
{
	unsigned v = 0;
	int bits = 0, x;
	char ch;

	for (; *s; s++) {
		if (*s == '=' || *s == '\n' || *s == '\r' || *s == ' ')
			continue;
		if ((x = b64val((unsigned char)*s)) < 0)
			return -1;
		v = v << 6 | (unsigned)x;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			ch = (char)(v >> bits & 0xff);
			if (buf_add(out, &ch, 1) < 0)
				return -1;
		}
	}
	return 0;
}

static int
read_file(const char *path, struct buf *out)
{
	char chunk[8192];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		buf_add(out, chunk, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

static int
copy_configs(struct inst *in, const char *cid, char *err, size_t errlen)
{
	json_t *cfgs = json_object_get(in->spec, "configs"), *c;
	struct buf tar = BUF_ZERO, data = BUF_ZERO;
	const char *type, *name;
	size_t i;
	int r = 0, n = 0;

	json_array_foreach(cfgs, i, c) {
		type = js_str(c, "type", "INLINE");
		name = js_str(c, "localFilename", "");
		buf_reset(&data);
		if (!strcasecmp(type, "INLINE")) {
			if (b64dec(js_str(c, "data", ""), &data) < 0) {
				snprintf(err, errlen, "config %s: bad base64",
				    name);
				r = -1;
				break;
			}
		} else if (!strcasecmp(type, "EXECUTOR_LOCAL_FILE")) {
			if (read_file(js_str(c, "filePathOnHost", ""),
			    &data) < 0) {
				snprintf(err, errlen, "config %s: unable to "
				    "read '%s': %s", name, js_str(c,
				    "filePathOnHost", ""), strerror(errno));
				r = -1;
				break;
			}
		} else {
			warn("%s: config %s: type %s not supported, skipped",
			    in->id, name, type);
			continue;
		}
		if (tar_add_file(&tar, name, data.s ? data.s : "", data.len,
		    0644, js_now_ms() / 1000) < 0) {
			snprintf(err, errlen, "config %s: %s", name,
			    strerror(errno));
			r = -1;
			break;
		}
		n++;
	}
	if (r == 0 && n > 0) {
		tar_end(&tar);
		if (engine_put_archive(X.eng, cid, "/", tar.s, tar.len) < 0) {
			snprintf(err, errlen, "copying configs: %s",
			    err_text());
			r = -1;
		}
	}
	buf_free(&tar);
	buf_free(&data);
	return r;
}

/* Create, copy configs, start; new host ports on "already allocated". */
int
start_container(struct inst *in, char *err, size_t errlen)
{
	char name[400], cid[96];
	json_t *body, *ji;
	int attempt, r;

	snprintf(name, sizeof name, "%s-%s", in->app_id, in->id);
	for (attempt = 0; attempt < 5; attempt++) {
		if (box_pick_ports(in) < 0) {
			snprintf(err, errlen, "no free host port: %s",
			    strerror(errno));
			return -1;
		}
		pthread_mutex_lock(&X.mu);
		ji = in->job == JOB_COMPUTATION ? task_info(in) : inst_info(in);
		pthread_mutex_unlock(&X.mu);
		body = box_body(in, ji);
		json_decref(ji);
		cid[0] = 0;
		r = engine_create(X.eng, name, body, cid, sizeof cid);
		if (r < 0 && errno == EEXIST) {
			/* a leftover of an earlier attempt: replace it */
			engine_remove(X.eng, name, 1, 1);
			r = engine_create(X.eng, name, body, cid, sizeof cid);
		}
		json_decref(body);
		if (r < 0) {
			snprintf(err, errlen, "Error creating container: %s",
			    err_text());
			return -1;
		}
		set_container(in, cid);
		if (copy_configs(in, cid, err, errlen) < 0)
			return -1;
		if (engine_start(X.eng, cid) == 0)
			return 0;
		snprintf(err, errlen, "Error starting container: %s",
		    err_text());
		if (box_host_level(in) || (!strstr(err_text(),
		    "already allocated") && !strstr(err_text(),
		    "address already in use")))
			return -1;	/* a fixed port stays taken */
		dbg("%s: host port taken, retrying", in->id);
		engine_remove(X.eng, cid, 1, 1);
		set_container(in, NULL);
	}
	return -1;
}

/* Readiness or the first health check: 1 passed, 0 failed, or a W_ code
 * (as -W_STOP / -W_DIED) when interrupted. */
static int
run_check(struct inst *in, const json_t *check, int skip_delay)
{
	const json_t *mode = json_object_get(check, "mode");
	long long attempts = js_int(check, "attempts", 1), a;
	long long interval = dur_ms(check, "interval", 1000);
	long long timeout = dur_ms(check, "timeout", 1000);
	int w;

	if (!check || !mode)
		return 1;
	if (!skip_delay && (w = wait_for(in, dur_ms(check, "initialDelay",
	    0))) != W_TIMEOUT)
		return -w;
	if (attempts < 1)
		attempts = 1;
	for (a = 0; a < attempts; a++) {
		if ((w = wait_for(in, 0)) != W_TIMEOUT)
			return -w;
		if (check_once(in, mode, (long)timeout))
			return 1;
		if (a + 1 < attempts && (w = wait_for(in, interval)) !=
		    W_TIMEOUT)
			return -w;
	}
	return 0;
}

/* HEALTHY: periodic checks until stop, death or `attempts` failures. */
static int
monitor(struct inst *in)
{
	const json_t *hc = json_object_get(in->spec, "healthcheck");
	const json_t *mode = json_object_get(hc, "mode");
	long long interval = dur_ms(hc, "interval", 10000);
	long long timeout = dur_ms(hc, "timeout", 1000);
	long long attempts = js_int(hc, "attempts", 3), fails = 0;
	int w;

	if (interval < 100)
		interval = 100;
	for (;;) {
		if ((w = wait_for(in, mode ? interval : -1)) != W_TIMEOUT)
			return w;
		if (check_once(in, mode, (long)timeout)) {
			fails = 0;
			continue;
		}
		if (++fails >= attempts)
			return W_TIMEOUT;	/* unhealthy */
		dbg("%s: health check failed (%lld/%lld)", in->id, fails,
		    attempts);
	}
}

static void
stop_container(struct inst *in, int hooks)
{
	char cid[96];

	pthread_mutex_lock(&X.mu);
	snprintf(cid, sizeof cid, "%s", in->container);
	pthread_mutex_unlock(&X.mu);
	if (!cid[0])
		return;
	if (hooks)
		run_hooks(in, json_object_get(in->spec, "preShutdown"));
	if (engine_stop(X.eng, cid, (int)X.stop_timeout_s) < 0 &&
	    errno != ENOENT)
		warn("%s: unable to stop container %.12s: %s", in->id, cid,
		    err_text());
	logs_stop(in);
	if (engine_remove(X.eng, cid, 1, 1) < 0 && errno != ENOENT)
		warn("%s: unable to remove container %.12s: %s", in->id, cid,
		    err_text());
	set_container(in, NULL);
}

static void
deprovision(struct inst *in)
{
	const char *image = js_str(js_get(in->spec, "executable"), "url",
	    NULL);

	set_state(in, INST_DEPROVISIONING, NULL);
	if (!X.cache_images && image && engine_image_remove(X.eng, image,
	    0) < 0 && errno != ENOENT)
		dbg("%s: image %s kept: %s", in->id, image,
		    err_text());
	set_state(in, INST_STOPPED, NULL);
}

/* A container removed behind our back: LOST (as drove-reconcile marks an
 * active instance without a container), the image kept or removed
 * silently, since LOST is final. */
static void
vanished(struct inst *in)
{
	const char *image = js_str(js_get(in->spec, "executable"), "url",
	    NULL);

	logs_stop(in);
	set_container(in, NULL);
	set_state(in, INST_LOST, "Container vanished");
	if (!X.cache_images && image && engine_image_remove(X.eng, image,
	    0) < 0 && errno != ENOENT)
		dbg("%s: image %s kept: %s", in->id, image, err_text());
}

/* The container is gone or being removed (dockerd marks it "removing"
 * before it kills it for `docker rm -f`): its death was a removal. */
int
container_removed(const char *cid)
{
	json_t *ci = engine_inspect(X.eng, cid);
	int r;

	if (!ci)
		return errno == ENOENT;
	r = !strcmp(js_str(js_get(ci, "State"), "Status", ""), "removing");
	json_decref(ci);
	return r;
}

static void
died(struct inst *in)
{
	char msg[64], cid[96];
	int gone;

	pthread_mutex_lock(&X.mu);
	snprintf(msg, sizeof msg, "Container exited with code %d",
	    in->exit_code);
	snprintf(cid, sizeof cid, "%s", in->container);
	gone = in->vanished;
	pthread_mutex_unlock(&X.mu);
	if (!gone && cid[0])
		gone = container_removed(cid);
	if (gone) {
		vanished(in);
		return;
	}
	set_state(in, INST_UNHEALTHY, msg);
	logs_stop(in);
	if (cid[0] && engine_remove(X.eng, cid, 1, 1) < 0 && errno != ENOENT)
		warn("%s: unable to remove container %.12s: %s", in->id, cid,
		    err_text());
	set_container(in, NULL);
	deprovision(in);
}

/* After a check returned -W_*: stop or death. */
static void
interrupted(struct inst *in, int w)
{
	if (w == W_DIED)
		died(in);
	else {
		set_state(in, INST_STOPPING, NULL);
		stop_container(in, 1);
		deprovision(in);
	}
}

static void
lifecycle(struct inst *in)
{
	char err[600];
	int r, w, skip = 0;

	err[0] = 0;
	if (in->adopt) {
		skip = 1;
		logs_start(in, in->container, js_now_ms() / 1000);
		if (in->adopt_state == INST_HEALTHY) {
			set_state(in, INST_HEALTHY, NULL);
			goto healthy;
		}
		if (in->adopt_state == INST_READY)
			goto ready;
		goto unready;
	}
	if (wait_for(in, 0) != W_TIMEOUT) {
		set_state(in, INST_STOPPED, NULL);
		return;
	}
	set_state(in, INST_PROVISIONING, NULL);
	if (provision(in, err, sizeof err) < 0) {
		set_state(in, INST_PROVISIONING_FAILED, err);
		deprovision(in);
		return;
	}
	if (wait_for(in, 0) != W_TIMEOUT) {
		deprovision(in);
		return;
	}
	set_state(in, INST_STARTING, NULL);
	if (start_container(in, err, sizeof err) < 0) {
		set_state(in, INST_START_FAILED, err);
		stop_container(in, 0);
		deprovision(in);
		return;
	}
	logs_start(in, in->container, 0);
unready:
	set_state(in, INST_UNREADY, NULL);
	r = run_check(in, json_object_get(in->spec, "readiness"), skip);
	if (r < 0) {
		interrupted(in, -r);
		return;
	}
	if (r == 0) {
		set_state(in, INST_READINESS_CHECK_FAILED,
		    "Readiness check failed");
		stop_container(in, 1);
		deprovision(in);
		return;
	}
ready:
	set_state(in, INST_READY, NULL);
	r = run_check(in, json_object_get(in->spec, "healthcheck"), skip);
	if (r < 0) {
		interrupted(in, -r);
		return;
	}
	if (r == 0) {
		set_state(in, INST_STOPPING, "Health check failed");
		stop_container(in, 1);
		deprovision(in);
		return;
	}
	set_state(in, INST_HEALTHY, NULL);
healthy:
	w = monitor(in);
	if (w == W_TIMEOUT) {
		set_state(in, INST_UNHEALTHY, "Health check failed");
		stop_container(in, 1);
		deprovision(in);
		return;
	}
	interrupted(in, w);
}

void *
inst_main(void *arg)
{
	struct inst *in = arg;

	lifecycle(in);
	logs_stop(in);
	pthread_mutex_lock(&X.mu);
	in->finished = 1;
	pthread_mutex_unlock(&X.mu);
	inst_wake_main();
	return NULL;
}
