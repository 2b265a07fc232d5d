/*
 * event: where Drove's events (drove.md §7.7) are kept.  Each event is a
 * record of its own, /<ns>/events/b<start>/e<time>-<seq>
 * (PERSISTENT_SEQUENTIAL, built by lib/record's rec_event_*), written in
 * the same ZooKeeper transaction as the change it describes, so that an
 * event exists exactly when its change does and survives any program's
 * death.  <time> is the event's time (epoch ms, 13 digits); b<start> is
 * its bucket, the EVENT_BUCKET_MS that holds <time> (13 digits), so that
 * no directory grows with an hour of events (a listing is bounded by
 * ZooKeeper's jute.maxbuffer, and every new event makes its readers list
 * its directory again); <seq> is ZooKeeper's sequence number in the
 * bucket: it orders the bucket's events by commit.  The order of all
 * events is (bucket, seq): event_order() of the name, the id of the push
 * stream.
 *
 *   event_add(z, t, ev)       adds the creation of ev to transaction t
 *                             (its bucket is created first, once per
 *                             bucket and process)
 *   event_put(z, path, rec, ev)
 *                             writes rec at path (created, with missing
 *                             parents, or replaced) and ev, atomically,
 *                             without a fence: for executors
 *   event_forget()            the buckets made sure of are forgotten: for
 *                             a writer whose transaction met a missing
 *                             node (a bucket deleted behind its back)
 *   event_name_parse(name, &time, &seq)
 *   event_order(time, seq)    the position of event e<time>-<seq>
 *   event_prune(z, ns, fence, before_ms, max)
 *                             deletes the buckets that end before
 *                             before_ms, at most max events, in fenced
 *                             batches
 *
 * All return 0 (event_prune: the number deleted), or -1 with errno and
 * err_text() (EPERM when the fence is gone).
 */
#ifndef DROVE_EVENT_H
#define DROVE_EVENT_H

#include "json.h"
#include "zk.h"

/* Events older than this are deleted (Drove's maxEventsStorageDuration). */
#define EVENT_RETAIN_MS (60LL * 60 * 1000)

#define EVENT_BUCKET_MS 10000LL

int event_add(struct zk *z, struct zk_txn *t, const json_t *ev);
int event_put(struct zk *z, const char *path, const json_t *rec,
    const json_t *ev);
int event_dir_ensure(struct zk *z, const char *ns);
void event_forget(void);
/* 0 and *time, *seq from "e<time>-<seq>", or -1 (EINVAL). */
int event_name_parse(const char *name, long long *time, long long *seq);
long long event_order(long long time, long long seq);
int event_prune(struct zk *z, const char *ns, const char *fence,
    long long before_ms, int max);

#endif
