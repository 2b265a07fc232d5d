#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "tap.h"

static const char *const route_code[] = { "route", "code", NULL };

static char *
render(struct metrics *m)
{
	struct buf b = BUF_ZERO;

	if (metrics_render(m, &b) < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static void
t_small(void)
{
	struct metrics *m = metrics_new();
	struct metric *req, *up, *temp;
	char *s;

	req = metrics_counter(m, "drove_http_requests_total",
	    "HTTP requests answered", route_code);
	up = metrics_gauge(m, "drove_up", "1 while up", NULL);
	temp = metrics_gauge(m, "drove_temp", "a gauge", NULL);
	ok(req && up && temp, "families made");
	ok(metrics_counter(m, "drove_http_requests_total", "again",
	    route_code) == req, "the same family again is the first");
	ok(metric_inc(req, (const char *const[]){ "cluster", "200" }, 1) == 0,
	    "inc");
	metric_inc(req, (const char *const[]){ "applications/{id}", "404" },
	    1);
	metric_inc(req, (const char *const[]){ "cluster", "200" }, 2);
	metric_set(up, NULL, 1);
	metric_set(temp, NULL, 0.25);
	metric_inc(temp, NULL, -1.5);
	s = render(m);
	is_str(s,
	    "# HELP drove_http_requests_total HTTP requests answered\n"
	    "# TYPE drove_http_requests_total counter\n"
	    "drove_http_requests_total{route=\"cluster\",code=\"200\"} 3\n"
	    "drove_http_requests_total{route=\"applications/{id}\","
	    "code=\"404\"} 1\n"
	    "# HELP drove_up 1 while up\n"
	    "# TYPE drove_up gauge\n"
	    "drove_up 1\n"
	    "# HELP drove_temp a gauge\n"
	    "# TYPE drove_temp gauge\n"
	    "drove_temp -1.25\n", "exact text of a small registry");
	free(s);
	metrics_free(m);
}

static void
t_unlabelled_zero(void)
{
	struct metrics *m = metrics_new();
	char *s;

	metrics_counter(m, "x_total", "never counted", NULL);
	s = render(m);
	is_str(s, "# HELP x_total never counted\n# TYPE x_total counter\n"
	    "x_total 0\n", "a family without labels shows 0 at once");
	free(s);
	metrics_free(m);
}

static void
t_escaping(void)
{
	struct metrics *m = metrics_new();
	static const char *const lab[] = { "path", NULL };
	struct metric *f = metrics_counter(m, "esc_total",
	    "help with \\ and\nnewline and \"quotes\"", lab);
	char *s;

	metric_inc(f, (const char *const[]){ "a\"b\\c\nd" }, 1);
	metric_inc(f, (const char *const[]){ NULL }, 1);
	s = render(m);
	is_str(s,
	    "# HELP esc_total help with \\\\ and\\nnewline and \"quotes\"\n"
	    "# TYPE esc_total counter\n"
	    "esc_total{path=\"a\\\"b\\\\c\\nd\"} 1\n"
	    "esc_total{path=\"\"} 1\n",
	    "HELP escapes \\ and newline; label values \\, \" and newline");
	free(s);
	metrics_free(m);
}

static void
t_histogram(void)
{
	struct metrics *m = metrics_new();
	static const char *const lab[] = { "route", NULL };
	static const double b[] = { 0.005, 0.1, 1 };
	struct metric *h = metrics_histogram(m, "lat_seconds", "latency",
	    lab, b, 3);
	const char *const r[] = { "ping" };
	char *s;

	ok(h != NULL, "histogram made");
	metric_observe(h, r, 0.001);
	metric_observe(h, r, 0.005);	/* on a bound: in that bucket */
	metric_observe(h, r, 0.05);
	metric_observe(h, r, 3);	/* only +Inf */
	s = render(m);
	is_str(s,
	    "# HELP lat_seconds latency\n"
	    "# TYPE lat_seconds histogram\n"
	    "lat_seconds_bucket{route=\"ping\",le=\"0.005\"} 2\n"
	    "lat_seconds_bucket{route=\"ping\",le=\"0.1\"} 3\n"
	    "lat_seconds_bucket{route=\"ping\",le=\"1\"} 3\n"
	    "lat_seconds_bucket{route=\"ping\",le=\"+Inf\"} 4\n"
	    "lat_seconds_sum{route=\"ping\"} 3.056\n"
	    "lat_seconds_count{route=\"ping\"} 4\n",
	    "cumulative buckets, +Inf, _sum, _count");
	free(s);
	ok(metric_inc(h, r, 1) < 0 && errno == EINVAL,
	    "a histogram is not incremented");
	metrics_free(m);

	m = metrics_new();
	h = metrics_histogram(m, "plain_seconds", "no labels", NULL, b, 1);
	s = render(m);
	is_str(s, "# HELP plain_seconds no labels\n"
	    "# TYPE plain_seconds histogram\n"
	    "plain_seconds_bucket{le=\"0.005\"} 0\n"
	    "plain_seconds_bucket{le=\"+Inf\"} 0\n"
	    "plain_seconds_sum 0\n"
	    "plain_seconds_count 0\n", "a histogram without labels");
	free(s);
	metrics_free(m);
}

static void
t_refusals(void)
{
	struct metrics *m = metrics_new();
	static const char *const bad_label[] = { "le", NULL };
	static const char *const digit[] = { "1x", NULL };
	static const char *const other[] = { "route", NULL };
	static const double down[] = { 1, 0.5 };
	struct metric *c;

	ok(!metrics_counter(m, "bad-name", "", NULL) && errno == EINVAL,
	    "a bad metric name is refused");
	ok(!metrics_counter(m, "9lives", "", NULL), "a leading digit too");
	ok(!metrics_counter(m, "x", "", bad_label), "label le is refused");
	ok(!metrics_counter(m, "x", "", digit), "a bad label name too");
	ok(!metrics_histogram(m, "h", "", NULL, down, 2),
	    "buckets must increase");
	c = metrics_counter(m, "c_total", "", route_code);
	ok(!metrics_counter(m, "c_total", "", other) && errno == EINVAL,
	    "the same name with other labels is refused");
	ok(!metrics_gauge(m, "c_total", "", route_code),
	    "the same name with another type is refused");
	ok(metric_inc(c, (const char *const[]){ "a", "b" }, -1) < 0 &&
	    errno == EINVAL, "a counter never goes down");
	ok(metric_observe(c, (const char *const[]){ "a", "b" }, 1) < 0,
	    "a counter observes nothing");
	ok(metric_inc(NULL, NULL, 1) < 0, "a NULL family is refused");
	ok(metrics_find(m, "c_total") == c && !metrics_find(m, "nope"),
	    "find");
	metrics_free(m);
}

static void
t_values(void)
{
	struct metrics *m = metrics_new();
	struct metric *g = metrics_gauge(m, "g", "h", NULL);
	char *s;

	metric_set(g, NULL, 0.1);
	s = render(m);
	ok(s && strstr(s, "\ng 0.1\n"), "0.1 prints as 0.1");
	free(s);
	metric_set(g, NULL, 1e20);
	s = render(m);
	ok(s && strstr(s, "\ng 1e+20\n"), "1e20 prints in exponent form");
	free(s);
	metric_set(g, NULL, INFINITY);
	s = render(m);
	ok(s && strstr(s, "\ng +Inf\n"), "+Inf");
	free(s);
	metric_set(g, NULL, NAN);
	s = render(m);
	ok(s && strstr(s, "\ng NaN\n"), "NaN");
	free(s);
	metric_set(g, NULL, 123456789012.0);
	s = render(m);
	ok(s && strstr(s, "\ng 123456789012\n"), "whole numbers are exact");
	free(s);
	metrics_free(m);
}

static void
t_json(void)
{
	struct metrics *a = metrics_new(), *b = metrics_new();
	static const char *const op[] = { "op", NULL };
	static const char *const prog_op[] = { "program", "op", NULL };
	static const double bd[] = { 1 };
	struct metric *c = metrics_counter(a, "steps_total", "steps", op);
	struct metric *own;
	json_t *j;
	char *s;

	metric_inc(c, (const char *const[]){ "set" }, 5);
	metric_set(metrics_gauge(a, "lag", "lag", NULL), NULL, 1.5);
	metrics_histogram(a, "h", "left out", NULL, bd, 1);
	j = metrics_json(a);
	s = js_dump(j);
	is_str(s, "[{\"name\":\"steps_total\",\"type\":\"counter\","
	    "\"help\":\"steps\",\"labels\":[\"op\"],\"series\":"
	    "[{\"labels\":[\"set\"],\"value\":5}]},"
	    "{\"name\":\"lag\",\"type\":\"gauge\",\"help\":\"lag\","
	    "\"labels\":[],\"series\":[{\"labels\":[],\"value\":1.5}]}]",
	    "counters and gauges as JSON, histograms left out");
	free(s);
	/* into a registry that has the family with the program label */
	own = metrics_counter(b, "steps_total", "steps", prog_op);
	metric_inc(own, (const char *const[]){ "drove-httpd", "get" }, 1);
	ok(metrics_merge_json(b, j, "program", "drove-monitor") == 0,
	    "merged");
	ok(metrics_merge_json(b, j, "program", "drove-sched") == 0,
	    "merged again under another program");
	s = render(b);
	is_str(s,
	    "# HELP steps_total steps\n"
	    "# TYPE steps_total counter\n"
	    "steps_total{program=\"drove-httpd\",op=\"get\"} 1\n"
	    "steps_total{program=\"drove-monitor\",op=\"set\"} 5\n"
	    "steps_total{program=\"drove-sched\",op=\"set\"} 5\n"
	    "# HELP lag lag\n"
	    "# TYPE lag gauge\n"
	    "lag{program=\"drove-monitor\"} 1.5\n"
	    "lag{program=\"drove-sched\"} 1.5\n",
	    "merged with the program label first");
	free(s);
	json_decref(j);
	/* a family that disagrees is skipped, malformed entries too */
	j = json_pack("[{s:s, s:s, s:s, s:[], s:[{s:[], s:i}]},"
	    "{s:s}, i, {s:s, s:s, s:s, s:[s], s:[{s:[i], s:i}]}]",
	    "name", "lag", "type", "counter", "help", "", "labels", "series",
	    "labels", "value", 3, "name", "x", 7, "name", "y_total", "type",
	    "counter", "help", "", "labels", "op", "series", "labels", 1,
	    "value", 1);
	ok(j && metrics_merge_json(b, j, "program", "p") == 0,
	    "a bad entry does not fail the merge");
	ok(metrics_find(b, "y_total") != NULL &&
	    metrics_find(b, "x") == NULL, "good families are kept");
	s = render(b);
	ok(s && !strstr(s, "program=\"p\"}"), "the disagreeing family and "
	    "the bad series are left out");
	free(s);
	json_decref(j);
	j = json_object();
	ok(metrics_merge_json(b, j, NULL, NULL) < 0 && errno == EINVAL,
	    "not an array");
	json_decref(j);
	metrics_free(a);
	metrics_free(b);
}

#define THREADS 4
#define INCS 20000

static struct metric *shared;

static void *
hammer(void *arg)
{
	static const char *const codes[] = { "200", "404" };
	int i;

	(void)arg;
	for (i = 0; i < INCS; i++)
		metric_inc(shared, (const char *const[]){ "r",
		    codes[i & 1] }, 1);
	return NULL;
}

static void
t_threads(void)
{
	struct metrics *m = metrics_new();
	pthread_t th[THREADS];
	char *s, want[64];
	int i;

	shared = metrics_counter(m, "t_total", "threads", route_code);
	for (i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, hammer, NULL);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	s = render(m);
	snprintf(want, sizeof want, "t_total{route=\"r\",code=\"200\"} %d\n",
	    THREADS * INCS / 2);
	ok(s && strstr(s, want), "no increment lost across threads");
	free(s);
	metrics_free(m);
}

static void
t_many_series(void)
{
	struct metrics *m = metrics_new();
	static const char *const lab[] = { "id", NULL };
	struct metric *f = metrics_gauge(m, "many", "", lab);
	char id[16], *s;
	int i, bad = 0;

	for (i = 0; i < 1000; i++) {
		snprintf(id, sizeof id, "%d", i);
		bad += metric_set(f, (const char *const[]){ id }, i) < 0;
	}
	for (i = 0; i < 1000; i++) {
		snprintf(id, sizeof id, "%d", i);
		bad += metric_inc(f, (const char *const[]){ id }, 1) < 0;
	}
	s = render(m);
	ok(!bad && s && strstr(s, "many{id=\"999\"} 1000\n") &&
	    strstr(s, "many{id=\"0\"} 1\n"), "1000 series, found again");
	free(s);
	metrics_free(m);
}

int
main(void)
{
	t_small();
	t_unlabelled_zero();
	t_escaping();
	t_histogram();
	t_refusals();
	t_values();
	t_json();
	t_threads();
	t_many_series();
	return done_testing();
}
