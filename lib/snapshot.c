/* snapshot: see snapshot.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "model.h"
#include "record.h"
#include "snapshot.h"
#include "zkpath.h"

json_t *
snap_new(void)
{
	json_t *s = json_pack("{s:{}, s:{}, s:{}, s:{}, s:[]}", "executors",
	    "applications", "assignments", "requests", "warnings");

	if (!s)
		err_fail(ENOMEM, "out of memory");
	return s;
}

static json_t *
member(json_t *snap, const char *key)
{
	json_t *o = json_object_get(snap, key);

	if (!o) {
		o = json_object();
		if (!o || json_object_set_new(snap, key, o) < 0)
			return NULL;
	}
	return o;
}

static void warning(json_t *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
warning(json_t *snap, const char *fmt, ...)
{
	char msg[ZKP_MAX * 2 + 64];
	json_t *w = json_object_get(snap, "warnings");
	va_list ap;

	if (!w) {
		w = json_array();
		json_object_set_new(snap, "warnings", w);
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_array_append_new(w, json_string(msg));
}

/* Store data (borrowed) under kind/name (and sub for assignments). */
static int
put(json_t *snap, const char *kind, const char *name, const char *sub,
    json_t *data)
{
	json_t *o = member(snap, kind);

	if (o && sub) {
		json_t *e = json_object_get(o, name);

		if (!e) {
			e = json_object();
			if (!e || json_object_set_new(o, name, e) < 0)
				o = NULL;
			else
				o = e;
		} else
			o = e;
		name = sub;
	}
	if (!o || json_object_set(o, name, data) < 0)
		return err_fail(ENOMEM, "out of memory");
	return 0;
}

int
snap_put_path(json_t *snap, const char *ns, const char *path, json_t *data)
{
	char buf[ZKP_MAX], *seg[5], *p, *save = NULL;
	const char *kind;
	int n = 0;

	if (!path || path[0] != '/' || strlen(path) >= sizeof buf)
		return 0;
	strcpy(buf, path + 1);
	for (p = strtok_r(buf, "/", &save); p && n < 5;
	    p = strtok_r(NULL, "/", &save))
		seg[n++] = p;
	if (p || n < 3 || strcmp(seg[0], ns))
		return 0;
	if (!strcmp(seg[1], "executor") && n == 3)
		kind = "executors";
	else if (!strcmp(seg[1], "applications") && n == 3)
		kind = "applications";
	else if (!strcmp(seg[1], "assignments") && n == 4)
		kind = "assignments";
	else if (!strcmp(seg[1], "requests") && n == 3)
		kind = "requests";
	else
		return 0;
	if (!json_is_object(data))
		return err_fail(EINVAL, "%s: data is not a JSON object", path);
	if (!strcmp(kind, "executors") &&
	    !json_is_object(json_object_get(data, "state")))
		return err_fail(EINVAL,
		    "%s: executor data without a \"state\" object", path);
	if (put(snap, kind, seg[2], n == 4 ? seg[3] : NULL, data) < 0)
		return -1;
	return 1;
}

/* Only spaces, tabs, CRs in the n bytes at s (not NUL-terminated)? */
static int
blank(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r'))
		n--;
	return n == 0;
}

/* "line L column C: what" from js_parse()'s "what at line 1 column C". */
static void
parse_error(long lineno)
{
	const char *msg = err_text(), *at = strstr(msg, " at line 1 column ");
	int n = at ? (int)(at - msg) : (int)strlen(msg);
	long col = at ? strtol(at + 18, NULL, 10) : 0;

	if (col > 0)
		err_fail(EINVAL, "line %ld column %ld: %.*s", lineno, col,
		    n < 120 ? n : 120, msg);
	else
		err_fail(EINVAL, "line %ld: %.*s", lineno, n < 170 ? n : 170,
		    msg);
}

json_t *
snap_parse(const char *text, size_t len, const char *ns)
{
	char nsbuf[ZKP_MAX];
	const char *line = text, *end = text + len, *nl, *path;
	json_t *snap, *j;
	long lineno = 0;
	size_t n;

	if (!(snap = snap_new()))
		return NULL;
	while (line < end) {
		nl = memchr(line, '\n', end - line);
		n = nl ? (size_t)(nl - line) : (size_t)(end - line);
		lineno++;
		if (!blank(line, n)) {
			if (!(j = js_parse(line, n))) {
				if (errno == ENOMEM)
					goto fail;
				parse_error(lineno);
				goto fail;
			}
			path = js_str(j, "path", NULL);
			if (!json_is_object(j) || !path || path[0] != '/' ||
			    !json_object_get(j, "data")) {
				json_decref(j);
				err_fail(EINVAL, "line %ld: expected "
				    "{\"path\":\"/...\",\"data\":...}", lineno);
				goto fail;
			}
			if (!ns) {
				size_t k = strcspn(path + 1, "/");

				if (k == 0 || k >= sizeof nsbuf) {
					json_decref(j);
					err_fail(EINVAL, "line %ld: no "
					    "namespace in the path", lineno);
					goto fail;
				}
				memcpy(nsbuf, path + 1, k);
				nsbuf[k] = '\0';
				ns = nsbuf;
			}
			if (snap_put_path(snap, ns, path,
			    json_object_get(j, "data")) < 0) {
				json_decref(j);
				if (errno == EINVAL)
					err_fail(EINVAL, "line %ld: %.170s",
					    lineno, err_text());
				goto fail;
			}
			json_decref(j);
		}
		line += n + 1;
	}
	return snap;
fail:
	json_decref(snap);
	return NULL;
}

/* Children of dir (NULL-terminated, maybe empty); a missing dir is
 * empty (watched for creation when watch).  0, -1 errno. */
static int
children(struct zk *z, const char *dir, int watch, char ***names)
{
	if (zk_children(z, dir, watch, names, NULL) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	if (watch && zk_exists(z, dir, 1) < 0)
		return -1;
	if (!(*names = calloc(1, sizeof **names)))
		return err_fail(ENOMEM, "out of memory");
	return 0;
}

/* Every child of dir into snap: 0, -1 ("unable to read 'path': ..."). */
static int
load_dir(struct zk *z, json_t *snap, const char *dir, int watch_dir,
    int watch_data, const char *kind, const char *owner)
{
	char p[ZKP_MAX];
	char **names;
	json_t *j;
	int i;

	if (children(z, dir, watch_dir, &names) < 0)
		return err_fail(errno, "unable to read '%s': %s", dir,
		    err_text());
	for (i = 0; names[i]; i++) {
		if (zkp_child(p, dir, names[i]) < 0)
			continue;
		if (!(j = zk_get_json(z, p, watch_data, NULL))) {
			if (errno == ENOENT)
				continue;
			if (errno == EINVAL) {
				warning(snap, "'%s': bad JSON", p);
				continue;
			}
			err_fail(errno, "unable to read '%s': %s", p,
			    err_text());
			zk_free_names(names);
			return -1;
		}
		if (!json_is_object(j))
			warning(snap, "'%s': not a JSON object", p);
		else if (put(snap, kind, owner ? owner : names[i],
		    owner ? names[i] : NULL, j) < 0) {
			json_decref(j);
			zk_free_names(names);
			return err_fail(ENOMEM, "unable to read '%s': %s", p,
			    err_text());
		}
		json_decref(j);
	}
	zk_free_names(names);
	return 0;
}

int
snap_load_zk(struct zk *z, const char *ns, int what, int watch,
    json_t *snap)
{
	char dir[ZKP_MAX];
	const char *eid;
	json_t *ex, *v;

	if (what & SNAP_EXECUTORS) {
		zkp_executors_dir(dir, ns);
		if (load_dir(z, snap, dir, watch, watch, "executors",
		    NULL) < 0)
			return -1;
		ex = member(snap, "executors");
		json_object_foreach(ex, eid, v) {
			if (zkp_executor_assignments(dir, ns, eid) < 0)
				continue;
			if (load_dir(z, snap, dir, watch, 0, "assignments",
			    eid) < 0)
				return -1;
		}
	}
	if (what & SNAP_APPS) {
		zkp_apps_dir(dir, ns);
		if (load_dir(z, snap, dir, 0, 0, "applications",
		    NULL) < 0)
			return -1;
	}
	if (what & SNAP_REQUESTS) {
		zkp_requests_dir(dir, ns);
		if (load_dir(z, snap, dir, watch, 0, "requests", NULL) < 0)
			return -1;
	}
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of object o, sorted (NULL-terminated array of borrowed). */
static const char **
sorted_keys(json_t *o)
{
	const char **k, *key;
	json_t *v;
	size_t n = 0;

	if (!(k = calloc(json_object_size(o) + 1, sizeof *k)))
		return NULL;
	json_object_foreach(o, key, v)
		k[n++] = key;
	qsort(k, n, sizeof *k, cmp_str);
	return k;
}

struct pl_view *
snap_view(json_t *snap)
{
	json_t *ex = json_object_get(snap, "executors");
	json_t *as = json_object_get(snap, "assignments");
	struct pl_view *v;
	const char **keys, *iid;
	json_t *a, *held;
	size_t i;

	if (!(v = pl_view_new()))
		return NULL;
	if (!(keys = sorted_keys(ex))) {
		pl_view_free(v);
		return NULL;
	}
	for (i = 0; keys[i]; i++) {
		/* a blacklisted executor is placed on as its record says */
		json_t *node = rec_executor_effective(json_object_get(ex,
		    keys[i]), json_object_get(json_object_get(snap,
		    "blacklist"), keys[i]));
		int r;

		if (!node)
			goto nomem;
		r = pl_view_add_node(v, keys[i], node);
		json_decref(node);
		if (r < 0) {
			if (errno == ENOMEM)
				goto nomem;
			warning(snap, "executor '%s': unusable node data: %s",
			    keys[i], strerror(errno));
		}
	}
	for (i = 0; keys[i]; i++) {
		if (!(held = json_object_get(as, keys[i])))
			continue;
		/* ENOENT: the executor was left out above */
		json_object_foreach(held, iid, a)
			if (pl_view_hold(v, keys[i], a) < 0 &&
			    errno == ENOMEM)
				goto nomem;
	}
	free(keys);
	return v;
nomem:
	free(keys);
	pl_view_free(v);
	errno = ENOMEM;
	return NULL;
}

static int
cmp_req(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	long long cx = js_int(x, "created", 0), cy = js_int(y, "created", 0);

	if (cx != cy)
		return cx < cy ? -1 : 1;
	return strcmp(js_str(x, "instanceId", ""), js_str(y, "instanceId",
	    ""));
}

json_t *
snap_requests(json_t *snap)
{
	json_t *rq = json_object_get(snap, "requests");
	const char *iid;
	json_t *arr, *r, **v;
	size_t n = 0, i;

	if (!(v = calloc(json_object_size(rq) + 1, sizeof *v)))
		return NULL;
	json_object_foreach(rq, iid, r) {
		if (!(v[n] = json_deep_copy(r)) ||
		    json_object_set_new(v[n], "instanceId",
		    json_string(iid)) < 0)
			goto nomem;
		n++;
	}
	qsort(v, n, sizeof *v, cmp_req);
	if (!(arr = json_array()))
		goto nomem;
	for (i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
	return arr;
nomem:
	json_decref(v[n]);
	while (n > 0)
		json_decref(v[--n]);
	free(v);
	errno = ENOMEM;
	return NULL;
}

void
snap_pl_request(const char *app_id, const json_t *spec,
    struct pl_request *rq)
{
	memset(rq, 0, sizeof *rq);
	rq->app_id = app_id;
	rq->cores = (int)spec_cpus(spec);
	rq->memory_mb = spec_memory_mb(spec);
	rq->policy = json_object_get(spec, "placementPolicy");
}
