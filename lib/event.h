/*
 * event: where Drove's events (drove.md §7.7) are kept.  Each event is a
 * record of its own, /<ns>/events/e<time>-<seq> (PERSISTENT_SEQUENTIAL,
 * built by lib/record's rec_event_*), written in the same ZooKeeper
 * transaction as the change it describes, so that an event exists exactly
 * when its change does and survives any program's death.  <seq> is
 * ZooKeeper's sequence number of the events directory: it orders events
 * by commit and is the id of the push stream; <time> (epoch ms, 13
 * digits) lets old events be pruned by name alone.
 *
 *   event_add(t, ns, ev)      adds the creation of ev to transaction t
 *   event_put(z, path, rec, ev)
 *                             writes rec at path (created, with missing
 *                             parents, or replaced) and ev, atomically,
 *                             without a fence: for executors
 *   event_name_parse(name, &time, &seq)
 *   event_prune(z, ns, fence, before_ms, max)
 *                             deletes events older than before_ms, at most
 *                             max of them, in fenced batches
 *
 * All return 0 (event_prune: the number deleted), or -1 with errno and
 * err_text() (ENOENT when the events directory is missing: zk_ensure() it,
 * see event_dir_ensure(); EPERM when the fence is gone).
 */
#ifndef DROVE_EVENT_H
#define DROVE_EVENT_H

#include "json.h"
#include "zk.h"

/* Events older than this are deleted (Drove's maxEventsStorageDuration). */
#define EVENT_RETAIN_MS (60LL * 60 * 1000)

int event_add(struct zk_txn *t, const char *ns, const json_t *ev);
int event_put(struct zk *z, const char *path, const json_t *rec,
    const json_t *ev);
int event_dir_ensure(struct zk *z, const char *ns);
/* 0 and *time, *seq from "e<time>-<seq>", or -1 (EINVAL). */
int event_name_parse(const char *name, long long *time, long long *seq);
int event_prune(struct zk *z, const char *ns, const char *fence,
    long long before_ms, int max);

#endif
