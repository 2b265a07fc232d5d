/*
 * zk: a ZooKeeper session (libzookeeper_mt, synchronous API) whose watches
 * arrive as events on a pipe, so the program's own poll loop handles them
 * on its main thread.  The calls themselves are thread-safe.
 *
 *   struct zk *z = zk_open("127.0.0.1:2181", "drove", 10000, 15000);
 *   poll on zk_fd(z); while (zk_next_event(z, &ev) == 1) handle(&ev);
 *
 * Paths are absolute and built with zkpath.h (zk_ns(z) is the namespace).
 * Return values: 0 on success, -1 with errno on failure:
 *   ENOENT no node, EEXIST node exists, ESTALE version mismatch,
 *   ENOTEMPTY has children, EPERM fence failed (not the leader),
 *   ENOTCONN connection loss / session expired, EINVAL bad arguments or
 *   bad JSON, EIO anything else; err_text() (err.h) has the text, e.g.
 *   "unable to read '/drove/x': no node" with ZooKeeper's own words.
 * A watch set by a call is delivered once as an event (ZooKeeper's rule).
 */
#ifndef DROVE_ZK_H
#define DROVE_ZK_H

#include <stddef.h>
#include "buf.h"
#include "json.h"

struct zk;

enum zk_ev_type {
	ZK_EV_CREATED = 1,
	ZK_EV_DELETED,
	ZK_EV_CHANGED,		/* data of path changed */
	ZK_EV_CHILD,		/* children of path changed */
	ZK_EV_CONNECTED,	/* (re)connected */
	ZK_EV_DISCONNECTED,	/* connection lost; session may still live */
	ZK_EV_EXPIRED,		/* session gone: ephemerals are gone too */
	ZK_EV_USER,		/* posted by the program itself (zk_post) */
};

struct zk_event {
	enum zk_ev_type type;
	char path[512];
};

#define ZK_EPHEMERAL 1
#define ZK_SEQUENCE 2

/* Connect and wait up to wait_ms for the session; NULL with errno
 * (ETIMEDOUT, EINVAL) on failure.  session_ms is the session timeout (> 0). */
struct zk *zk_open(const char *connect, const char *ns, int session_ms,
    int wait_ms);
void zk_close(struct zk *z);
const char *zk_ns(const struct zk *z);
int zk_fd(const struct zk *z);
/* 1 and *ev filled, 0 none waiting (zk_fd() polls readable again when
 * one arrives).  Events are queued without bound, in arrival order. */
int zk_next_event(struct zk *z, struct zk_event *ev);
/* Queue an event of the program's own after those already waiting (any
 * thread): a way for other threads to reach the thread that polls. */
void zk_post(struct zk *z, enum zk_ev_type type, const char *path);
long long zk_session_id(const struct zk *z);

/*
 * What the session asked of ZooKeeper, for metrics: the requests sent by
 * kind (a batched read counts once per read, zk_ensure() once per node,
 * zk_delete_tree() once per listing and per delete, a transaction once as
 * "multi", a read that leaves an exists watch on a missing node once more
 * as "exists") and, of those, the errors: results other than success and
 * the four answers callers expect (no node, node exists, bad version, not
 * empty), i.e. connection loss, timeouts, refusals and the like.
 * zk_stats() copies the counts (any thread; they are never reset);
 * zk_op_name() is the kind's name ("get", "exists", "children",
 * "create", "set", "delete", "multi").
 */
enum zk_op {
	ZK_OP_GET,
	ZK_OP_EXISTS,
	ZK_OP_CHILDREN,
	ZK_OP_CREATE,
	ZK_OP_SET,
	ZK_OP_DELETE,
	ZK_OP_MULTI,
	ZK_OP_COUNT
};
struct zk_stats {
	unsigned long long calls[ZK_OP_COUNT];
	unsigned long long errors[ZK_OP_COUNT];
};
void zk_stats(const struct zk *z, struct zk_stats *out);
const char *zk_op_name(enum zk_op op);

/* Reads.  version may be NULL.  zk_get_json() returns a new reference. */
int zk_get(struct zk *z, const char *path, int watch, struct buf *out,
    int *version);
json_t *zk_get_json(struct zk *z, const char *path, int watch, int *version);
int zk_exists(struct zk *z, const char *path, int watch); /* 1, 0, -1 */
/* Children names (sorted), a NULL-terminated malloc'd array freed with
 * zk_free_names(); *count may be NULL. */
int zk_children(struct zk *z, const char *path, int watch, char ***names,
    int *count);
void zk_free_names(char **names);

/*
 * Batched reads: the n reads are pipelined on the session (a bounded
 * number in flight), each answered in its own slot.  r[i].path is the
 * input; on return r[i].err is 0 or that read's errno (ENOENT no node,
 * ENOTCONN, EIO).  On success zk_get_batch() fills data (malloc'd,
 * NUL-terminated), len and version; zk_children_batch() fills names
 * (sorted, NULL-terminated, as zk_children()) and count.  watch leaves a
 * data or child watch on every node read; a missing node gets no watch.
 * Returns 0 once every slot is answered, -1 with errno (ENOMEM) when the
 * batch could not be run.  zk_read_free() releases what the slots hold.
 */
struct zk_read {
	const char *path;
	int err;
	char *data;
	size_t len;
	int version;
	char **names;
	int count;
};
int zk_get_batch(struct zk *z, struct zk_read *r, size_t n, int watch);
int zk_children_batch(struct zk *z, struct zk_read *r, size_t n,
    int watch);
void zk_read_free(struct zk_read *r, size_t n);

/* Writes.  zk_create() creates missing parents (persistent, empty);
 * created (may be NULL) receives the real path of a SEQUENCE node. */
int zk_create(struct zk *z, const char *path, const char *data, size_t len,
    int flags, char *created, size_t created_len);
int zk_ensure(struct zk *z, const char *path);	/* mkdir -p */
int zk_set(struct zk *z, const char *path, const char *data, size_t len,
    int version);
int zk_put_json(struct zk *z, const char *path, const json_t *j, int flags);
int zk_delete(struct zk *z, const char *path, int version);
int zk_delete_tree(struct zk *z, const char *path);

/*
 * Fenced transactions: every op commits atomically together with a check
 * that the fence znode (the leader's election node) still exists.  With a
 * NULL fence the transaction is unfenced.  On failure errno is EPERM when
 * the fence check failed, else the errno of the first failing op.
 * Parents are not created: zk_ensure() them first.
 * A NULL t (zk_txn_new() out of memory) is accepted everywhere: the ops
 * do nothing and zk_txn_commit() fails with ENOMEM, so callers need check
 * only the commit.
 */
struct zk_txn;
struct zk_txn *zk_txn_new(const char *fence);
int zk_txn_create(struct zk_txn *t, const char *path, const json_t *j,
    int flags);
int zk_txn_set(struct zk_txn *t, const char *path, const json_t *j,
    int version);
int zk_txn_delete(struct zk_txn *t, const char *path, int version);
int zk_txn_commit(struct zk *z, struct zk_txn *t);	/* frees t */
/* The bytes of paths and data t holds: ZooKeeper refuses a request over
 * its jute.maxbuffer (1 MB by default), so callers that batch watch it. */
size_t zk_txn_bytes(const struct zk_txn *t);
void zk_txn_free(struct zk_txn *t);

#endif
