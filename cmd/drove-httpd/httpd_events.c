/*
 * httpd_events.c: GET /apis/v1/cluster/events, /events/latest,
 * /events/summary (Drove's polling reads) and /events/stream (a push
 * stream of the same events, Server-Sent Events), all from the view's
 * events.
 *
 * The main thread keeps an index of the view's events ordered by their
 * position (event_order(): bucket, then the znode's sequence number, the
 * commit order in the bucket), fed by the view's changes:
 * new events almost always come last (appended), pruned ones first (marked
 * dead, compacted now and then), so nothing is sorted per request and the
 * view is not walked per request.  E.mu guards it; E.gen grows with every
 * change and E.cv wakes the streams.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"
#include "event.h"
#include "sig.h"
#include "httpd.h"

#define KEEPALIVE_MS (15 * 1000)
#define HANGUP_MS 2000
#define STREAM_FILL 256		/* events formatted per refill */
#define LATE_SCAN 4096		/* how far back late events are looked for */
#define DEFAULT_SIZE 1024

struct evx {
	long long seq, time;		/* seq: the position, event_order() */
	unsigned long long arrival;	/* when it reached the index */
	json_t *ev;			/* NULL: gone */
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct evx *a;			/* ordered by seq */
	size_t n, cap, dead;
	unsigned long gen;
	unsigned long long arrivals;	/* events put so far */
	int stopping;
} E = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* --- the index (main thread writes, E.mu) ---------------------------- */

/* The first index whose seq is >= seq. */
static size_t
lower(long long seq)
{
	size_t lo = 0, hi = E.n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (E.a[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
compact(void)
{
	size_t i, k = 0;

	for (i = 0; i < E.n; i++)
		if (E.a[i].ev)
			E.a[k++] = E.a[i];
	E.n = k;
	E.dead = 0;
}

static void
index_put(long long seq, long long time, json_t *ev)
{
	size_t i = E.n && E.a[E.n - 1].seq < seq ? E.n : lower(seq);

	if (i < E.n && E.a[i].seq == seq) {
		if (!E.a[i].ev)
			E.dead--;
		json_decref(E.a[i].ev);
		E.a[i].ev = json_incref(ev);
		E.a[i].time = time;
		E.a[i].arrival = ++E.arrivals;
		return;
	}
	if (E.n == E.cap) {
		E.cap = E.cap ? E.cap * 2 : 1024;
		E.a = xrealloc(E.a, E.cap * sizeof *E.a);
	}
	memmove(E.a + i + 1, E.a + i, (E.n - i) * sizeof *E.a);
	E.a[i].seq = seq;
	E.a[i].time = time;
	E.a[i].arrival = ++E.arrivals;
	E.a[i].ev = json_incref(ev);
	E.n++;
}

static void
index_del(long long seq)
{
	size_t i = lower(seq);

	if (i == E.n || E.a[i].seq != seq || !E.a[i].ev)
		return;
	json_decref(E.a[i].ev);
	E.a[i].ev = NULL;
	if (++E.dead > 64 && E.dead > E.n / 2)
		compact();
}

void
events_change(const struct view_change *c)
{
	long long time, seq;
	json_t *ev, *t;

	metrics_event(c);
	if (c->kind != VIEW_K_EVENT || !c->id ||
	    event_name_parse(c->id, &time, &seq) < 0)
		return;
	/* the position of all events: bucket, then sequence */
	seq = event_order(time, seq);
	/* the view's own (non-const) reference to c->now */
	ev = c->now ? view_event(hd.view, c->id) : NULL;
	pthread_mutex_lock(&E.mu);
	if (ev) {
		/* the event's own time; the name's if it has none */
		if (json_is_integer(t = json_object_get(ev, "time")))
			time = json_integer_value(t);
		index_put(seq, time, ev);
	} else
		index_del(seq);
	E.gen++;
	pthread_cond_broadcast(&E.cv);
	pthread_mutex_unlock(&E.mu);
}

void
events_init(void)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&E.cv, &ca);
	pthread_condattr_destroy(&ca);
}

void
events_wake(void)
{
	pthread_mutex_lock(&E.mu);
	E.gen++;
	pthread_cond_broadcast(&E.cv);
	pthread_mutex_unlock(&E.mu);
}

void
events_stop(void)
{
	pthread_mutex_lock(&E.mu);
	E.stopping = 1;
	pthread_cond_broadcast(&E.cv);
	pthread_mutex_unlock(&E.mu);
}

void
events_free(void)
{
	size_t i;

	pthread_mutex_lock(&E.mu);
	for (i = 0; i < E.n; i++)
		json_decref(E.a[i].ev);
	free(E.a);
	pthread_cond_destroy(&E.cv);
	E.a = NULL;
	E.n = E.cap = E.dead = 0;
	pthread_mutex_unlock(&E.mu);
}

/* --- the polling reads ----------------------------------------------- */

/* Events with time > since, newest (by commit) first, at most size; the
 * newest event time in the store, or since if greater, in *newest. */
static json_t *
latest(long long since, long long size, long long *newest)
{
	json_t *list = json_array();
	size_t i;

	*newest = since;
	pthread_mutex_lock(&E.mu);
	for (i = E.n; i-- > 0;) {
		if (!E.a[i].ev)
			continue;
		if (E.a[i].time > *newest)
			*newest = E.a[i].time;
		if (E.a[i].time > since && (long long)json_array_size(list) <
		    size)
			json_array_append(list, E.a[i].ev);
	}
	pthread_mutex_unlock(&E.mu);
	return list;
}

void
h_events(const struct req *r, struct reply *out)
{
	long long since, size, newest;

	if (query_count(r, "lastSyncTime", 0, &since, out) < 0 ||
	    query_count(r, "size", DEFAULT_SIZE, &size, out) < 0)
		return;
	reply_ok(out, latest(since, size, &newest));
}

void
h_events_latest(const struct req *r, struct reply *out)
{
	long long since, size, newest;
	json_t *list;

	if (query_count(r, "lastSyncTime", 0, &since, out) < 0 ||
	    query_count(r, "size", DEFAULT_SIZE, &size, out) < 0)
		return;
	list = latest(since, size, &newest);
	reply_ok(out, json_pack("{s:o,s:I}", "events", list, "lastSyncTime",
	    (json_int_t)newest));
}

void
h_events_summary(const struct req *r, struct reply *out)
{
	json_t *counts = json_object(), *n;
	long long since, newest;
	const char *type;
	size_t i;

	if (query_count(r, "lastSyncTime", 0, &since, out) < 0) {
		json_decref(counts);
		return;
	}
	newest = since;
	pthread_mutex_lock(&E.mu);
	for (i = 0; i < E.n; i++) {
		if (!E.a[i].ev || E.a[i].time <= since)
			continue;
		if (E.a[i].time > newest)
			newest = E.a[i].time;
		type = json_string_value(json_object_get(E.a[i].ev, "type"));
		if (!type)
			continue;
		n = json_object_get(counts, type);
		json_object_set_new(counts, type, json_integer(
		    json_integer_value(n) + 1));
	}
	pthread_mutex_unlock(&E.mu);
	reply_ok(out, json_pack("{s:o,s:I}", "eventsCount", counts,
	    "lastSyncTime", (json_int_t)newest));
}

/* --- the push stream ------------------------------------------------- */

struct stream {
	struct buf out;
	size_t off;			/* of out, sent */
	long long last;			/* seq of the last event sent */
	unsigned long long arr;		/* E.arrivals when last filled */
	long long since;		/* time replay: > since (-1: none) */
	unsigned long lgen;		/* leader_gen() at the start */
	long long keepalive_at;		/* monotonic ms */
	int fd;				/* the connection's socket */
};

/* Event i of the index as one SSE message into st->out; E.mu held. */
static void
put_event(struct stream *st, size_t i)
{
	const char *type;
	char *s;

	if (!(s = js_dump(E.a[i].ev)))
		return;
	type = json_string_value(json_object_get(E.a[i].ev, "type"));
	buf_addf(&st->out, "id: %lld\nevent: %s\ndata: %s\n\n", E.a[i].seq,
	    type ? type : "", s);
	free(s);
}

/*
 * Format into st->out the events after st->last (and, while replaying by
 * time, newer than st->since), at most STREAM_FILL, and first those that
 * came late: placed before st->last (an older bucket: their writer
 * committed after another writer's newer event) but not there when the
 * stream passed their place.  E.mu held.
 */
static void
fill(struct stream *st)
{
	size_t i, end;
	int k = 0;

	if (E.arrivals > st->arr && st->last >= 0) {
		end = lower(st->last + 1);
		for (i = end > LATE_SCAN ? end - LATE_SCAN : 0; i < end; i++)
			if (E.a[i].ev && E.a[i].arrival > st->arr &&
			    (st->since < 0 || E.a[i].time > st->since))
				put_event(st, i);
	}
	for (i = lower(st->last + 1); i < E.n && k < STREAM_FILL; i++) {
		if (!E.a[i].ev)
			continue;
		st->last = E.a[i].seq;
		if (st->since >= 0 && E.a[i].time <= st->since)
			continue;
		put_event(st, i);
		k++;
	}
	if (i == E.n)
		st->since = -1;		/* caught up: live from here */
	st->arr = E.arrivals;
}

/* The client closed its end (or the socket failed). */
static int
hung_up(int fd)
{
	struct pollfd p = { fd, POLLRDHUP, 0 };

	return fd >= 0 && poll(&p, 1, 0) == 1 &&
	    (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;
	struct timespec dl;
	unsigned long seen;
	size_t n;

	(void)pos;
	for (;;) {
		if (st->off < st->out.len) {
			n = st->out.len - st->off;
			if (n > max)
				n = max;
			memcpy(buf, st->out.s + st->off, n);
			st->off += n;
			return (ssize_t)n;
		}
		buf_reset(&st->out);
		st->off = 0;
		if (leader_gen() != st->lgen || !leader_get(NULL, NULL, 0))
			return MHD_CONTENT_READER_END_OF_STREAM;
		pthread_mutex_lock(&E.mu);
		if (E.stopping) {
			pthread_mutex_unlock(&E.mu);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		seen = E.gen;
		fill(st);
		if (!st->out.len) {
			/* a client gone is seen within HANGUP_MS */
			deadline_after(&dl, CLOCK_MONOTONIC, st->keepalive_at -
			    mono_ms() < HANGUP_MS ? st->keepalive_at -
			    mono_ms() : HANGUP_MS);
			while (E.gen == seen && !E.stopping &&
			    pthread_cond_timedwait(&E.cv, &E.mu, &dl) !=
			    ETIMEDOUT)
				;
			if (mono_ms() >= st->keepalive_at)
				buf_adds(&st->out, ": keepalive\n\n");
		}
		pthread_mutex_unlock(&E.mu);
		if (!st->out.len && hung_up(st->fd))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (st->out.len)
			st->keepalive_at = mono_ms() + KEEPALIVE_MS;
	}
}

/* Push streams open now. */
static atomic_int nstreams;

int
events_streaming(void)
{
	return atomic_load(&nstreams) > 0;
}

static void
stream_free(void *cls)
{
	struct stream *st = cls;

	buf_free(&st->out);
	free(st);
	atomic_fetch_sub(&nstreams, 1);
}

void
h_events_stream(const struct req *r, struct reply *out)
{
	const union MHD_ConnectionInfo *ci;
	struct MHD_Response *resp;
	struct stream *st;
	const char *id;
	long long last, since;
	char *e;

	id = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	    "Last-Event-ID");
	if (!id || !*id)
		id = MHD_lookup_connection_value(r->conn,
		    MHD_GET_ARGUMENT_KIND, "lastEventId");
	last = -1;
	if (id && *id) {
		errno = 0;
		last = strtoll(id, &e, 10);
		if (errno || *e || last < 0) {
			reply_verr(out, "Last-Event-ID must be an event id, "
			    "not '%.64s'", id);
			return;
		}
	}
	if (query_count(r, "lastSyncTime", -1, &since, out) < 0)
		return;
	st = xcalloc(1, sizeof *st);
	atomic_fetch_add(&nstreams, 1);	/* stream_free() takes it */
	ci = MHD_get_connection_info(r->conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD);
	st->fd = ci ? ci->connect_fd : -1;
	st->lgen = leader_gen();
	st->since = -1;
	pthread_mutex_lock(&E.mu);
	if (last >= 0)
		st->last = last;
	else if (since >= 0) {
		st->last = -1;
		st->since = since;
	} else
		st->last = E.n ? E.a[E.n - 1].seq : -1;
	st->arr = E.arrivals;
	pthread_mutex_unlock(&E.mu);
	/* a first line at once, so that the client sees the stream open */
	buf_adds(&st->out, ": drove events\nretry: 2000\n\n");
	st->keepalive_at = mono_ms() + KEEPALIVE_MS;
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
	    stream_read, st, stream_free);
	if (!resp) {
		stream_free(st);
		reply_500(out, "unable to set up the event stream");
		return;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/event-stream");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-cache");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	out->code = MHD_HTTP_OK;
	out->queued = MHD_queue_response(r->conn, MHD_HTTP_OK, resp) ==
	    MHD_YES ? 1 : -1;
	MHD_destroy_response(resp);
}
