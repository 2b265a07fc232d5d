#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

/* One list of label values: its value, or a histogram's buckets. */
struct series {
	struct series *chain;		/* same hash bucket */
	uint64_t hash;
	char **values;			/* nlabels */
	double v;			/* counter, gauge; histogram sum */
	unsigned long long *counts;	/* histogram: per bucket (not
					   cumulative), nbounds + 1 */
};

struct metric {
	struct metric *next;		/* registry order */
	pthread_mutex_t mu;		/* guards the series */
	enum metric_type type;
	char *name, *help;
	char **labels;
	size_t nlabels;
	double *bounds;
	size_t nbounds;
	struct series **v;		/* made order */
	size_t n, cap;
	struct series **tab;		/* hash chains, ntab a power of 2 */
	size_t ntab;
};

struct metrics {
	pthread_mutex_t mu;		/* guards the list */
	struct metric *head, *tail;
};

static const char *const type_names[] = { "counter", "gauge", "histogram" };

struct metrics *
metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof *m);

	if (!m) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&m->mu, NULL);
	return m;
}

static void
series_free(struct series *s, size_t nlabels)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; s->values && i < nlabels; i++)
		free(s->values[i]);
	free(s->values);
	free(s->counts);
	free(s);
}

static void
family_free(struct metric *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->n; i++)
		series_free(f->v[i], f->nlabels);
	for (i = 0; f->labels && i < f->nlabels; i++)
		free(f->labels[i]);
	free(f->labels);
	free(f->v);
	free(f->tab);
	free(f->bounds);
	free(f->name);
	free(f->help);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

void
metrics_free(struct metrics *m)
{
	struct metric *f, *next;

	if (!m)
		return;
	for (f = m->head; f; f = next) {
		next = f->next;
		family_free(f);
	}
	pthread_mutex_destroy(&m->mu);
	free(m);
}

static int
name_ok(const char *s, int colon)
{
	const char *p;

	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' ||
		    (colon && *p == ':')))
			return 0;
	return 1;
}

static uint64_t
hash_values(const char *const *values, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	const unsigned char *p;
	size_t i;

	for (i = 0; values && i < n; i++) {
		for (p = (const unsigned char *)(values[i] ? values[i] : "");
		    *p; p++)
			h = (h ^ *p) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;	/* separator */
	}
	return h;
}

static int
same_values(const struct series *s, const char *const *values, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s->values[i], values[i] ? values[i] : ""))
			return 0;
	return 1;
}

/* The series of values, made when missing; f->mu held.  NULL ENOMEM. */
static struct series *
series_get(struct metric *f, const char *const *values)
{
	uint64_t h = hash_values(values, f->nlabels);
	struct series *s, **tab;
	size_t i;

	if (f->ntab)
		for (s = f->tab[h & (f->ntab - 1)]; s; s = s->chain)
			if (s->hash == h && same_values(s, values, f->nlabels))
				return s;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct series **v = realloc(f->v, cap * sizeof *v);

		if (!v)
			return NULL;
		f->v = v;
		f->cap = cap;
	}
	if (f->n + 1 > f->ntab) {
		size_t ntab = f->ntab ? f->ntab * 2 : 16;

		if (!(tab = calloc(ntab, sizeof *tab)))
			return NULL;
		for (i = 0; i < f->n; i++) {
			s = f->v[i];
			s->chain = tab[s->hash & (ntab - 1)];
			tab[s->hash & (ntab - 1)] = s;
		}
		free(f->tab);
		f->tab = tab;
		f->ntab = ntab;
	}
	if (!(s = calloc(1, sizeof *s)))
		return NULL;
	s->hash = h;
	if (f->nlabels && !(s->values = calloc(f->nlabels, sizeof *s->values)))
		goto oom;
	for (i = 0; i < f->nlabels; i++)
		if (!(s->values[i] = strdup(values[i] ? values[i] : "")))
			goto oom;
	if (f->type == METRIC_HISTOGRAM && !(s->counts = calloc(f->nbounds + 1,
	    sizeof *s->counts)))
		goto oom;
	f->v[f->n++] = s;
	s->chain = f->tab[h & (f->ntab - 1)];
	f->tab[h & (f->ntab - 1)] = s;
	return s;
oom:
	series_free(s, f->nlabels);
	return NULL;
}

static int
same_family(const struct metric *f, enum metric_type t,
    const char *const *labels, size_t nlabels, const double *bounds,
    size_t nbounds)
{
	size_t i;

	if (f->type != t || f->nlabels != nlabels || f->nbounds != nbounds)
		return 0;
	for (i = 0; i < nlabels; i++)
		if (strcmp(f->labels[i], labels[i]))
			return 0;
	for (i = 0; i < nbounds; i++)
		if (f->bounds[i] != bounds[i])
			return 0;
	return 1;
}

static struct metric *
family_add(struct metrics *m, enum metric_type t, const char *name,
    const char *help, const char *const *labels, const double *bounds,
    size_t nbounds)
{
	struct metric *f;
	size_t i, nlabels = 0;

	if (!m || !name_ok(name, 1))
		goto inval;
	for (nlabels = 0; labels && labels[nlabels]; nlabels++)
		if (!name_ok(labels[nlabels], 0) ||
		    !strcmp(labels[nlabels], "le") ||
		    !strncmp(labels[nlabels], "__", 2))
			goto inval;
	for (i = 0; i < nbounds; i++)
		if (!isfinite(bounds[i]) || (i && bounds[i] <= bounds[i - 1]))
			goto inval;
	pthread_mutex_lock(&m->mu);
	for (f = m->head; f; f = f->next)
		if (!strcmp(f->name, name)) {
			pthread_mutex_unlock(&m->mu);
			if (!same_family(f, t, labels, nlabels, bounds, nbounds))
				goto inval;
			return f;
		}
	if (!(f = calloc(1, sizeof *f)))
		goto oom;
	pthread_mutex_init(&f->mu, NULL);
	f->type = t;
	f->nlabels = nlabels;
	f->nbounds = nbounds;
	if (!(f->name = strdup(name)) || !(f->help = strdup(help ? help : "")) ||
	    !(f->labels = calloc(nlabels + 1, sizeof *f->labels)) ||
	    (nbounds && !(f->bounds = malloc(nbounds * sizeof *f->bounds))))
		goto oom;
	for (i = 0; i < nlabels; i++)
		if (!(f->labels[i] = strdup(labels[i])))
			goto oom;
	if (nbounds)
		memcpy(f->bounds, bounds, nbounds * sizeof *bounds);
	/* a family without labels shows its one series from the start */
	if (nlabels == 0 && !series_get(f, NULL))
		goto oom;
	if (m->tail)
		m->tail->next = f;
	else
		m->head = f;
	m->tail = f;
	pthread_mutex_unlock(&m->mu);
	return f;
oom:
	family_free(f);
	pthread_mutex_unlock(&m->mu);
	errno = ENOMEM;
	return NULL;
inval:
	errno = EINVAL;
	return NULL;
}

struct metric *
metrics_counter(struct metrics *m, const char *name, const char *help,
    const char *const *labels)
{
	return family_add(m, METRIC_COUNTER, name, help, labels, NULL, 0);
}

struct metric *
metrics_gauge(struct metrics *m, const char *name, const char *help,
    const char *const *labels)
{
	return family_add(m, METRIC_GAUGE, name, help, labels, NULL, 0);
}

struct metric *
metrics_histogram(struct metrics *m, const char *name, const char *help,
    const char *const *labels, const double *bounds, size_t n)
{
	return family_add(m, METRIC_HISTOGRAM, name, help, labels, bounds, n);
}

struct metric *
metrics_find(struct metrics *m, const char *name)
{
	struct metric *f;

	pthread_mutex_lock(&m->mu);
	for (f = m->head; f; f = f->next)
		if (!strcmp(f->name, name))
			break;
	pthread_mutex_unlock(&m->mu);
	return f;
}

/* how: '+' add, '=' set, 'o' observe */
static int
update(struct metric *f, const char *const *values, double v, int how)
{
	struct series *s;
	size_t i;

	if (!f || (how == 'o') != (f->type == METRIC_HISTOGRAM) ||
	    (how == '+' && f->type == METRIC_COUNTER && !(v >= 0))) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&f->mu);
	if (!(s = series_get(f, values))) {
		pthread_mutex_unlock(&f->mu);
		errno = ENOMEM;
		return -1;
	}
	if (how == '=')
		s->v = v;
	else if (how == '+')
		s->v += v;
	else {
		for (i = 0; i < f->nbounds && v > f->bounds[i]; i++)
			;
		s->counts[i]++;
		s->v += v;
	}
	pthread_mutex_unlock(&f->mu);
	return 0;
}

int
metric_inc(struct metric *f, const char *const *values, double by)
{
	return update(f, values, by, '+');
}

int
metric_set(struct metric *f, const char *const *values, double v)
{
	return update(f, values, v, '=');
}

int
metric_observe(struct metric *f, const char *const *values, double v)
{
	return update(f, values, v, 'o');
}

/* --- rendering ---------------------------------------------------- */

/* The family after f (NULL: the first): families are only appended, so
 * a walk needs the lock only to read the links. */
static struct metric *
family_next(struct metrics *m, struct metric *f)
{
	struct metric *n;

	pthread_mutex_lock(&m->mu);
	n = f ? f->next : m->head;
	pthread_mutex_unlock(&m->mu);
	return n;
}

/* v as the text format writes a float (into out, 32 bytes). */
static void
fmt_value(char *out, double v)
{
	if (isnan(v))
		snprintf(out, 32, "NaN");
	else if (isinf(v))
		snprintf(out, 32, "%s", v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		snprintf(out, 32, "%.0f", v);
	else {
		snprintf(out, 32, "%.15g", v);
		if (strtod(out, NULL) != v)
			snprintf(out, 32, "%.17g", v);
	}
}

/* s with \\ and \n escaped, and \" too when quote (label values). */
static int
add_escaped(struct buf *b, const char *s, int quote)
{
	const char *p, *run = s;
	int r = 0;

	for (p = s; *p && r == 0; p++) {
		const char *e = *p == '\\' ? "\\\\" : *p == '\n' ? "\\n" :
		    quote && *p == '"' ? "\\\"" : NULL;

		if (!e)
			continue;
		r = buf_add(b, run, (size_t)(p - run));
		if (r == 0)
			r = buf_adds(b, e);
		run = p + 1;
	}
	return r < 0 ? -1 : buf_add(b, run, strlen(run));
}

/* name{labels[,le="le"]} value\n */
static int
add_sample(struct buf *b, const struct metric *f, const char *suffix,
    const struct series *s, const char *le, double v)
{
	char num[32];
	size_t i;
	int r;

	r = buf_adds(b, f->name);
	if (r == 0)
		r = buf_adds(b, suffix);
	if (r == 0 && (f->nlabels || le))
		r = buf_adds(b, "{");
	for (i = 0; r == 0 && i < f->nlabels; i++) {
		r = buf_addf(b, "%s%s=\"", i ? "," : "", f->labels[i]);
		if (r == 0)
			r = add_escaped(b, s->values[i], 1);
		if (r == 0)
			r = buf_adds(b, "\"");
	}
	if (r == 0 && le)
		r = buf_addf(b, "%sle=\"%s\"", f->nlabels ? "," : "", le);
	if (r == 0 && (f->nlabels || le))
		r = buf_adds(b, "}");
	fmt_value(num, v);
	if (r == 0)
		r = buf_addf(b, " %s\n", num);
	return r;
}

static int
render_family(struct metric *f, struct buf *b)
{
	unsigned long long cum;
	char le[32];
	size_t i, k;
	int r;

	r = buf_addf(b, "# HELP %s ", f->name);
	if (r == 0)
		r = add_escaped(b, f->help, 0);
	if (r == 0)
		r = buf_addf(b, "\n# TYPE %s %s\n", f->name,
		    type_names[f->type]);
	pthread_mutex_lock(&f->mu);
	for (i = 0; r == 0 && i < f->n; i++) {
		const struct series *s = f->v[i];

		if (f->type != METRIC_HISTOGRAM) {
			r = add_sample(b, f, "", s, NULL, s->v);
			continue;
		}
		for (k = 0, cum = 0; r == 0 && k < f->nbounds; k++) {
			cum += s->counts[k];
			fmt_value(le, f->bounds[k]);
			r = add_sample(b, f, "_bucket", s, le, (double)cum);
		}
		cum += s->counts[f->nbounds];
		if (r == 0)
			r = add_sample(b, f, "_bucket", s, "+Inf",
			    (double)cum);
		if (r == 0)
			r = add_sample(b, f, "_sum", s, NULL, s->v);
		if (r == 0)
			r = add_sample(b, f, "_count", s, NULL, (double)cum);
	}
	pthread_mutex_unlock(&f->mu);
	return r;
}

int
metrics_render(struct metrics *m, struct buf *out)
{
	struct metric *f;

	for (f = family_next(m, NULL); f; f = family_next(m, f))
		if (render_family(f, out) < 0) {
			errno = ENOMEM;
			return -1;
		}
	return 0;
}

/* --- JSON --------------------------------------------------------- */

static json_t *
number(double v)
{
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static json_t *
family_json(struct metric *f)
{
	json_t *labels = json_array(), *series = json_array(), *vals, *fj;
	size_t i, k;
	int bad = !labels || !series;

	for (i = 0; !bad && i < f->nlabels; i++)
		bad = json_array_append_new(labels,
		    json_string(f->labels[i])) < 0;
	pthread_mutex_lock(&f->mu);
	for (i = 0; !bad && i < f->n; i++) {
		bad = !(vals = json_array());
		for (k = 0; !bad && k < f->nlabels; k++)
			bad = json_array_append_new(vals,
			    json_string(f->v[i]->values[k])) < 0;
		if (!bad)
			bad = json_array_append_new(series, json_pack(
			    "{s:O, s:o}", "labels", vals, "value",
			    number(f->v[i]->v))) < 0;
		json_decref(vals);
	}
	pthread_mutex_unlock(&f->mu);
	if (bad) {
		json_decref(labels);
		json_decref(series);
		return NULL;
	}
	fj = json_pack("{s:s, s:s, s:s, s:o, s:o}", "name", f->name, "type",
	    type_names[f->type], "help", f->help, "labels", labels, "series",
	    series);
	return fj;
}

json_t *
metrics_json(struct metrics *m)
{
	json_t *a = json_array(), *fj;
	struct metric *f;

	if (!a)
		goto oom;
	for (f = family_next(m, NULL); f; f = family_next(m, f)) {
		if (f->type == METRIC_HISTOGRAM)
			continue;
		if (!(fj = family_json(f)) || json_array_append_new(a, fj) < 0)
			goto oom;
	}
	return a;
oom:
	json_decref(a);
	errno = ENOMEM;
	return NULL;
}

#define MERGE_LABELS_MAX 16

/* One family of a metrics_json() array into m; -1 ENOMEM only. */
static int
merge_family(struct metrics *m, const json_t *fj, const char *label,
    const char *value)
{
	const char *names[MERGE_LABELS_MAX + 2], *vals[MERGE_LABELS_MAX + 1];
	const char *type = js_str(fj, "type", "");
	json_t *labels = json_object_get(fj, "labels"), *s, *sv, *x;
	struct metric *f;
	size_t i, k, n = 0, nl = json_array_size(labels);

	if (!json_is_array(labels) || nl > MERGE_LABELS_MAX ||
	    (strcmp(type, "counter") && strcmp(type, "gauge")))
		return 0;
	if (label)
		names[n++] = label;
	json_array_foreach(labels, i, x) {
		if (!json_is_string(x))
			return 0;
		names[n++] = json_string_value(x);
	}
	names[n] = NULL;
	f = (!strcmp(type, "counter") ? metrics_counter : metrics_gauge)(m,
	    js_str(fj, "name", ""), js_str(fj, "help", ""), names);
	if (!f)
		return errno == ENOMEM ? -1 : 0;
	json_array_foreach(json_object_get(fj, "series"), i, s) {
		sv = json_object_get(s, "labels");
		x = json_object_get(s, "value");
		if (json_array_size(sv) != nl || !json_is_number(x))
			continue;
		n = 0;
		if (label)
			vals[n++] = value;
		for (k = 0; k < nl && json_is_string(json_array_get(sv, k));
		    k++)
			vals[n++] = json_string_value(json_array_get(sv, k));
		if (k < nl)
			continue;
		if (metric_set(f, vals, json_number_value(x)) < 0)
			return -1;
	}
	return 0;
}

int
metrics_merge_json(struct metrics *m, const json_t *j, const char *label,
    const char *value)
{
	json_t *fj;
	size_t i;

	if (!json_is_array(j) || (label && !name_ok(label, 0))) {
		errno = EINVAL;
		return -1;
	}
	json_array_foreach(j, i, fj)
		if (merge_family(m, fj, label, value) < 0) {
			errno = ENOMEM;
			return -1;
		}
	return 0;
}
