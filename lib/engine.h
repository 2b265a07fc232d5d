/*
 * engine: a Docker Engine API (v1.41) client over the engine's unix
 * socket, with libcurl.  Works with dockerd and with podman's
 * Docker-compatible service.
 *
 *   struct engine *e = engine_new("/var/run/docker.sock", 30000);
 *   if (engine_ping(e) < 0) ... err_text() ...
 *   engine_free(e);
 *
 * Every call uses a fresh curl easy handle, so one struct engine may be
 * shared by many threads (create it before starting them: engine_new()
 * runs curl_global_init()).  timeout_ms bounds each ordinary request;
 * pull, exec and the streams take their own limits.
 *
 * Return values: 0 on success, -1 with errno on failure:
 *   ENOENT no such container/image/exec (404), EEXIST name in use (409 on
 *   create), EBUSY conflict (other 409), EINVAL bad arguments or bad JSON
 *   (400), ETIMEDOUT the request timed out, ECONNREFUSED the socket does
 *   not answer, ECANCELED a stream was cancelled, EIO anything else.
 * err_text() (err.h) tells the failure on the calling thread, including
 * the engine's own "message" when it sent one.
 * Queries return 1 (yes), 0 (no) or -1.  json_t * results are new
 * references owned by the caller.
 *
 * Streams (engine_events, engine_logs) block until the engine closes the
 * stream, the callback returns non-zero, or *cancel becomes non-zero
 * (checked at least once a second); they return 0, or -1 (ECANCELED when
 * cancelled through *cancel).
 *
 * The tar writer builds a POSIX ustar archive in memory, with libarchive,
 * for engine_put_archive() (config files copied into a container).
 * Out of memory is always an error (ENOMEM), never a truncated request,
 * answer or archive.
 */
#ifndef DROVE_ENGINE_H
#define DROVE_ENGINE_H

#include <stdatomic.h>
#include <stddef.h>

#include "buf.h"
#include "json.h"

struct engine;

struct engine *engine_new(const char *socket_path, long timeout_ms);
void engine_free(struct engine *e);

int engine_ping(struct engine *e);
int engine_image_exists(struct engine *e, const char *image);	/* 1/0/-1 */
/* POST /images/create; fails on an "error" line in the progress stream. */
int engine_pull(struct engine *e, const char *image, long timeout_ms);
int engine_image_remove(struct engine *e, const char *image, int force);

/* POST /containers/create?name=; id receives the container id. */
int engine_create(struct engine *e, const char *name, const json_t *body,
    char *id, size_t idlen);
int engine_start(struct engine *e, const char *id);
int engine_stop(struct engine *e, const char *id, int seconds);
int engine_kill(struct engine *e, const char *id, const char *signal);
int engine_remove(struct engine *e, const char *id, int force, int volumes);
json_t *engine_inspect(struct engine *e, const char *id);
/* GET /containers/json?all=..&filters={"label":[label]}: an array.
 * label is "key" or "key=value"; NULL lists every container. */
json_t *engine_list(struct engine *e, const char *label, int all);

/*
 * GET /containers/{id}/stats?stream=false&one-shot=true: one sample of the
 * container's resource use, at once (without one-shot the engine takes a
 * second sample a second later; here precpu_stats is empty, so rates come
 * from two calls).  dockerd and podman's Docker-compatible service answer
 * the same shape, with cgroup v1 or v2 figures.
 * engine_stats_read() takes the figures out of such a sample (pure; for
 * unit tests); a figure the sample lacks is -1.  Network figures are summed
 * over the container's interfaces, block I/O over its devices (op "Read"
 * or "Write", any case).  0, or -1 with errno EINVAL when s has no
 * cpu_stats and no memory_stats.
 */
json_t *engine_stats(struct engine *e, const char *id);
struct engine_stats {
	long long cpu_ns;		/* cpu_stats.cpu_usage.total_usage */
	long long system_ns;		/* cpu_stats.system_cpu_usage */
	long long online_cpus;
	long long throttled_periods;	/* throttling_data.throttled_periods */
	long long mem_usage, mem_max_usage, mem_limit;	/* bytes */
	long long rx_bytes, rx_errors, rx_dropped;
	long long tx_bytes, tx_errors, tx_dropped;
	long long blk_read, blk_write;	/* bytes */
};
int engine_stats_read(const json_t *s, struct engine_stats *out);

/* Run argv (NULL-terminated) in the container, wait up to timeout_ms for
 * it to end, and write its exit code.  -1/ETIMEDOUT if it did not end. */
int engine_exec(struct engine *e, const char *id, const char *const *argv,
    long timeout_ms, int *exit_code);

/* PUT /containers/{id}/archive?path=dir with a tar archive. */
int engine_put_archive(struct engine *e, const char *id, const char *dir,
    const void *tar, size_t n);

/* ustar: add a regular file (leading '/' stripped from name), then end.
 * 0, or -1 with errno (EINVAL empty name, ENAMETOOLONG name does not fit
 * ustar's prefix/name split, ENOMEM); on failure tar is unchanged. */
int tar_add_file(struct buf *tar, const char *name, const void *data,
    size_t n, unsigned mode, long long mtime);
int tar_end(struct buf *tar);

/* GET /events?filters=<filters JSON>: fn(arg, line, len) per JSON line. */
typedef int (*engine_line_fn)(void *arg, const char *line, size_t n);
int engine_events(struct engine *e, const json_t *filters, long long since,
    engine_line_fn fn, void *arg, atomic_int *cancel);

/* GET /containers/{id}/logs?follow=1&stdout=1&stderr=1&since=since:
 * fn(arg, stream, data, len) per chunk, stream 1 stdout, 2 stderr
 * (demultiplexed from the engine's 8-byte frame headers; a TTY
 * container's raw stream is reported as stdout). */
typedef int (*engine_chunk_fn)(void *arg, int stream, const char *data,
    size_t n);
int engine_logs(struct engine *e, const char *id, long long since,
    engine_chunk_fn fn, void *arg, atomic_int *cancel);

#endif
