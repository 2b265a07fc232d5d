/*
 * metrics: counters, gauges and histograms with labels, kept in a registry
 * and rendered as Prometheus' text exposition format (version 0.0.4).
 *
 *   struct metrics *m = metrics_new();
 *   static const char *const lab[] = { "route", "code", NULL };
 *   struct metric *req = metrics_counter(m, "drove_http_requests_total",
 *       "HTTP requests answered", lab);
 *   metric_inc(req, (const char *const[]){ "cluster", "200" }, 1);
 *   struct buf b = BUF_ZERO; metrics_render(m, &b); ... buf_free(&b);
 *   metrics_free(m);
 *
 * A family (struct metric) has a name, a help text, a type and a fixed
 * list of label names; each distinct list of label values is one series,
 * made on its first update.  A family without labels has its one series
 * from the start (it renders as 0 before any update).  Names must match
 * [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* and not
 * "le" (a histogram's own); label values are any bytes (rendered escaped:
 * backslash, double quote and newline as \\, \" and \n; NULL is "").
 *
 * Threads: every call may be made from any thread at any time (but
 * metrics_free()).  A registry lock guards its list of families, a
 * family's lock its series; updates hold the family's lock for a hash
 * lookup and an addition.  Families live as long as their registry.
 *
 * Return values: constructors return the family (owned by the registry),
 * or NULL with errno EINVAL (a bad name, or the name registered before
 * with another type, labels or buckets) or ENOMEM; registering the same
 * family again returns the first.  Updates return 0, or -1 with errno
 * ENOMEM, or EINVAL (a NULL family, an update of the wrong type, a
 * negative counter increment).  No text is left in err_text().
 */
#ifndef DROVE_METRICS_H
#define DROVE_METRICS_H

#include <stddef.h>

#include "buf.h"
#include "json.h"

struct metrics;
struct metric;
struct zk;

enum metric_type {
	METRIC_COUNTER,
	METRIC_GAUGE,
	METRIC_HISTOGRAM,
};

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* labels: label names, NULL-terminated (NULL: none); copied. */
struct metric *metrics_counter(struct metrics *m, const char *name,
    const char *help, const char *const *labels);
struct metric *metrics_gauge(struct metrics *m, const char *name,
    const char *help, const char *const *labels);
/* bounds: the n upper bounds of the buckets, strictly increasing and
 * finite (the +Inf bucket is implied); copied. */
struct metric *metrics_histogram(struct metrics *m, const char *name,
    const char *help, const char *const *labels, const double *bounds,
    size_t n);
/* The family named name, NULL if none. */
struct metric *metrics_find(struct metrics *m, const char *name);

/*
 * values: one label value per label name, in their order (NULL for a
 * family without labels).
 * metric_inc(): adds by to a counter (by >= 0) or a gauge.
 * metric_set(): sets a gauge, or a counter that mirrors a count kept
 * elsewhere (a ZooKeeper session's calls, another program's counters).
 * metric_observe(): counts v in a histogram: in every bucket whose bound
 * is >= v, in _count, and adds it to _sum.
 */
int metric_inc(struct metric *f, const char *const *values, double by);
int metric_set(struct metric *f, const char *const *values, double v);
int metric_observe(struct metric *f, const char *const *values, double v);

/*
 * Appends the registry to out in the text format: per family, in the
 * order registered, "# HELP name help" (help with \\ and \n escaped),
 * "# TYPE name counter|gauge|histogram", then its series in the order
 * made: name{l="v",...} value; for a histogram name_bucket{...,le="b"}
 * (cumulative, le as the bound is written, then le="+Inf"), name_sum and
 * name_count.  Values print as integers when they are whole (below 2^53),
 * else with the fewest digits that read back the same; +Inf, -Inf, NaN.
 * 0, or -1 ENOMEM (out then holds part of it).
 */
int metrics_render(struct metrics *m, struct buf *out);

/*
 * The counters and gauges of m as JSON (new reference; NULL ENOMEM), so
 * that another program can show them (histograms are left out):
 *   [{"name","type":"counter"|"gauge","help","labels":[names],
 *     "series":[{"labels":[values],"value":number}]}]
 * metrics_merge_json() adds such an array to m: each family with label
 * (a name; NULL: none) first and value as its value in every series, the
 * series' values set (metric_set()).  A family of m with the same name
 * gets the series when its type and labels agree, else the family is
 * skipped; so are malformed entries.  0, or -1 ENOMEM, EINVAL (j not an
 * array).
 */
json_t *metrics_json(struct metrics *m);
int metrics_merge_json(struct metrics *m, const json_t *j, const char *label,
    const char *value);

/*
 * ZooKeeper's counts of session z (zk_stats(), zk.h) set in m as
 * drove_zk_calls_total and drove_zk_errors_total, label "op" (with
 * program first, program as its value, when program is not NULL).
 * 0, or -1 (ENOMEM, EINVAL the families exist with other labels).
 */
int metrics_zk(struct metrics *m, const struct zk *z, const char *program);

/*
 * What a leader-only program publishes for drove-httpd to show: the JSON
 *   {"program":program,"hostname":hostname,"updated":epoch ms,
 *    "metrics":metrics_json(m)}
 * (with the session's ZooKeeper counts added to m first, metrics_zk()
 * without a program label) written at zkp_metrics(ns, program) (zkpath.h;
 * ns is zk_ns(z)) in a transaction fenced by fence (the leader's election
 * znode; NULL: unfenced), created with its directory when missing.
 * 0, or -1 with errno as zk_txn_commit() (EPERM: not the leader) or
 * EINVAL, ENOMEM, and err_text().
 */
int metrics_publish(struct zk *z, const char *fence, const char *program,
    const char *hostname, struct metrics *m);

#endif
