/*
 * httpd_ops.c: the application operations (drove.md §4.1, §5).  An
 * accepted operation is checked against the app's state (Drove's
 * VALID_OPS_TABLE, read from ZooKeeper, not from the view: another
 * writer's change may not have reached it), then written, fenced by the
 * leader's election znode, as the app's operation record
 * (/<ns>/operations/<appId>) in one transaction with the ApplicationInfo
 * change it implies and its APP_STATE_CHANGE event.  drove-monitor
 * carries it out.  The API answers SUCCESS only once its own view shows
 * the write.  One operation at a time per app: a second one is refused
 * with Drove's message and the name of the one in progress, except a
 * SCALE while the app is SCALING_REQUESTED, which retargets the scale.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "duration.h"
#include "err.h"
#include "event.h"
#include "model.h"
#include "placement.h"
#include "pltrack.h"
#include "record.h"
#include "snapshot.h"
#include "httpd.h"

#define WRITE_TRIES 5
#define DEFAULT_OP_TIMEOUT_MS (300 * 1000LL)

/*
 * The placement view the capacity check reads, kept current by the view's
 * changes (lib/pltrack), as drove-sched keeps its own.  cap.mu guards it:
 * the main thread applies changes, handlers check.
 */
static struct {
	pthread_mutex_t mu;
	struct pltrack *t;
} cap = { PTHREAD_MUTEX_INITIALIZER, NULL };

void
capacity_change(const struct view_change *c)
{
	pthread_mutex_lock(&cap.mu);
	if (!cap.t && !(cap.t = plt_new(hd.view, PL_BEST_FIT, 0)))
		die(EXIT_TEMP, "out of memory");
	plt_change(cap.t, c);
	pthread_mutex_unlock(&cap.mu);
}

void
capacity_free(void)
{
	plt_free(cap.t);
	cap.t = NULL;
}

/*
 * Drove's checkResources for n more instances of spec: 1 enough, 0 not
 * (a 400 with the reason is in out), -1 out of memory (500 in out).
 */
int
capacity_ok(const char *app_id, const json_t *spec, long long n,
    struct reply *out)
{
	struct pl_request rq;
	struct pl_view *pv;
	char why[512];
	int r;

	if (n <= 0)
		return 1;
	pthread_mutex_lock(&cap.mu);
	if (!cap.t && !(cap.t = plt_new(hd.view, PL_BEST_FIT, 0)))
		die(EXIT_TEMP, "out of memory");
	view_rdlock(hd.view);
	pv = plt_view(cap.t, NULL);
	view_unlock(hd.view);
	if (!pv) {
		pthread_mutex_unlock(&cap.mu);
		reply_500(out, "out of memory");
		return -1;
	}
	snap_pl_request(app_id, spec, &rq);
	why[0] = '\0';
	r = pl_capacity_env(pv, &rq, json_object_get(spec, "env"), n, why,
	    sizeof why);
	pthread_mutex_unlock(&cap.mu);
	if (r == 1)
		return 1;
	if (r < 0 && errno == ENOMEM) {
		reply_500(out, "out of memory");
		return -1;
	}
	reply_verr(out, "%s", why[0] ? why : "Not enough resources");
	return 0;
}


/* --- what the write APIs share (httpd.h) ------------------------------- */

int
write_gate(char *fence, struct reply *out)
{
	if (read_in_maintenance()) {
		reply_verr(out, HTTPD_IN_MAINTENANCE);
		return 0;
	}
	if (!leader_get(fence, NULL, 0)) {
		reply_fail(out, MHD_HTTP_BAD_REQUEST, HTTPD_NOT_LEADER, NULL);
		return 0;
	}
	return 1;
}

void
reply_write_error(struct reply *out, const char *noun, const char *id)
{
	if (errno == EPERM)
		reply_fail(out, MHD_HTTP_BAD_REQUEST, HTTPD_NOT_LEADER, NULL);
	else
		reply_500(out, "unable to write %s %s: %s", noun, id,
		    err_text());
}

void
reply_refused(struct reply *out, const char *noun, const char *none_noun,
    const char *id, const char *state, const char *list,
    const char *in_progress)
{
	json_t *errs = json_array();

	if (!list[0])
		json_array_append_new(errs, json_sprintf("No operations allowed "
		    "for %s%s as it is in %s state", none_noun, id, state));
	else
		json_array_append_new(errs, json_sprintf("Only %s allowed for "
		    "%s %s as it is in %s state", list, noun, id, state));
	if (in_progress)
		json_array_append_new(errs, json_sprintf("Operation %s is in "
		    "progress for %s %s", in_progress, noun, id));
	reply_verrs(out, errs);
}

void
opspec_parse(const json_t *os, long long *timeout_ms, int *parallelism,
    enum failure_strategy *strategy)
{
	*timeout_ms = dur_ms(os, "timeout", DEFAULT_OP_TIMEOUT_MS);
	*parallelism = (int)js_int(os, "parallelism", 1);
	if (*parallelism < 1)
		*parallelism = 1;
	if (failure_strategy_parse(js_str(os, "failureStrategy", NULL),
	    strategy) < 0)
		*strategy = FAIL_STOP;
}

int
opcur_read(struct opcur *c, int (*info_path)(char *, const char *,
    const char *), int (*op_path)(char *, const char *, const char *),
    const char *noun, const char *id, struct reply *out)
{
	struct zk_read r[2];

	c->info = c->op = NULL;
	if (info_path(c->info_path, hd.ns, id) < 0 ||
	    op_path(c->op_path, hd.ns, id) < 0)
		return 0;
	memset(r, 0, sizeof r);
	r[0].path = c->info_path;
	r[1].path = c->op_path;
	if (zk_get_batch(hd.zk, r, 2, 0) < 0 || (r[0].err &&
	    r[0].err != ENOENT) || (r[1].err && r[1].err != ENOENT)) {
		reply_500(out, "unable to read %s %s: %s", noun, id,
		    err_text());
		zk_read_free(r, 2);
		return -1;
	}
	if (!r[0].err)
		c->info = js_parse(r[0].data, r[0].len);
	c->info_version = r[0].version;
	if (!r[1].err)
		c->op = js_parse(r[1].data, r[1].len);
	c->op_version = r[1].version;
	zk_read_free(r, 2);
	return 1;
}

int
opcur_keep(struct opcur *c, int info_ok, int op_ok)
{
	if (!info_ok) {
		json_decref(c->info);
		c->info = NULL;
	}
	if (!c->info || !op_ok) {
		json_decref(c->op);
		c->op = NULL;
	}
	return c->info != NULL;
}

void
opcur_free(struct opcur *c)
{
	json_decref(c->info);
	json_decref(c->op);
	c->info = c->op = NULL;
}

void
opcur_await(const struct opcur *c)
{
	const char *paths[] = { c->op_path, c->info_path };

	if (view_reload_wait_all(hd.view, paths, 2, 5000) < 0)
		warn("the view did not show '%s' within 5 s", c->op_path);
}

int
opdirs_ensure(struct opdirs *d)
{
	char p[ZKP_MAX];
	size_t i;

	if (atomic_load(&d->known))
		return 0;
	for (i = 0; i < sizeof d->dir / sizeof d->dir[0] && d->dir[i]; i++)
		if (d->dir[i](p, hd.ns) < 0 || zk_ensure(hd.zk, p) < 0)
			return -1;
	if (event_dir_ensure(hd.zk, hd.ns) < 0)
		return -1;
	atomic_store(&d->known, 1);
	return 0;
}

void
opdirs_forget(struct opdirs *d)
{
	atomic_store(&d->known, 0);
	event_forget();
}

int
opcur_commit(struct opcur *c, struct opdirs *d, struct zk_txn *t,
    const json_t *ev, const char *noun, const char *idkey, const char *id,
    struct reply *out)
{
	if (!ev) {
		zk_txn_free(t);
		reply_500(out, "out of memory");
		return -1;
	}
	if (opdirs_ensure(d) < 0) {
		zk_txn_free(t);
		reply_500(out, "unable to write %s %s: %s", noun, id,
		    err_text());
		return -1;
	}
	event_add(hd.zk, t, ev);
	if (zk_txn_commit(hd.zk, t) < 0) {
		if (errno == ENOENT)
			opdirs_forget(d);
		if (errno == EEXIST || errno == ESTALE || errno == ENOENT)
			return 1;
		reply_write_error(out, noun, id);
		return -1;
	}
	opcur_await(c);
	reply_ok(out, json_pack("{s:s}", idkey, id));
	return 0;
}

/* Commits the cancelled operation record op (NULL: out of memory;
 * consumed) of <noun> <id> over c's by version, fenced; c is freed.  0
 * done (SUCCESS in out, the view shows it); 1 someone wrote in between
 * (read again); -1 failed (the reply in out). */
static int
cancel_commit(struct opcur *c, const char *fence, json_t *op,
    const char *noun, const char *id, struct reply *out)
{
	struct zk_txn *t;
	int rc;

	if (!op) {
		opcur_free(c);
		reply_500(out, "out of memory");
		return -1;
	}
	t = zk_txn_new(fence);
	zk_txn_set(t, c->op_path, op, c->op_version);
	json_decref(op);
	rc = zk_txn_commit(hd.zk, t);
	opcur_free(c);
	if (rc == 0) {
		opcur_await(c);
		info("%s %s: operation cancelled", noun, id);
		reply_ok(out, NULL);
		return 0;
	}
	if (errno == ENOENT) {
		reply_verr(out, CANNOT_CANCEL);
		return -1;
	}
	if (errno != ESTALE) {
		reply_write_error(out, noun, id);
		return -1;
	}
	return 1;
}

void
opcur_cancel(int (*marked)(const char *id, struct opcur *c, json_t **op,
    struct reply *out), const char *noun, const char *id,
    struct reply *out)
{
	char fence[ZKP_MAX];
	struct opcur c;
	json_t *op;
	int rc, tries;

	if (!write_gate(fence, out))
		return;
	for (tries = 0; tries < WRITE_TRIES; tries++) {
		if ((rc = marked(id, &c, &op, out)) < 0)
			return;
		if (rc == 0) {
			reply_verr(out, CANNOT_CANCEL);
			return;
		}
		if (cancel_commit(&c, fence, op, noun, id, out) < 1)
			return;
	}
	reply_500(out, "%s %s: the cancel kept meeting other writes; try "
	    "again", noun, id);
}

int
opcur_absent(const struct opcur *c, const char *noun, const char *Noun,
    const char *id, struct reply *out)
{
	switch (zk_exists(hd.zk, c->info_path, 0)) {
	case 0:
		return 1;
	case 1:
		reply_verr(out, "%s %s already exists", Noun, id);
		return 0;
	default:
		reply_500(out, "unable to read %s %s: %s", noun, id,
		    err_text());
		return 0;
	}
}

int
opcur_create(struct opcur *c, struct opdirs *d, const char *fence,
    const json_t *info, const json_t *op, const json_t *ev,
    const char *noun, const char *Noun, const char *id, struct reply *out)
{
	struct zk_txn *t;
	int tries, rc = -1;

	if (!info || !ev || opdirs_ensure(d) < 0) {
		reply_500(out, "unable to create %s %s: %s", noun, id,
		    err_text());
		return -1;
	}
	for (tries = 0; tries < 2; tries++) {
		t = zk_txn_new(fence);
		zk_txn_create(t, c->info_path, info, 0);
		if (op)
			zk_txn_create(t, c->op_path, op, 0);
		event_add(hd.zk, t, ev);
		if ((rc = zk_txn_commit(hd.zk, t)) == 0 || errno != ENOENT)
			break;
		opdirs_forget(d);
		if (opdirs_ensure(d) < 0)
			break;
	}
	if (rc < 0) {
		if (errno == EEXIST)
			reply_verr(out, "%s %s already exists", Noun, id);
		else
			reply_write_error(out, noun, id);
		return -1;
	}
	opcur_await(c);
	return 0;
}

/* --- the application operations --------------------------------------- */

/* What an operation is decided on, as ZooKeeper has it now: the
 * ApplicationInfo (r.info) and the operation record (r.op, NULL: none in
 * progress). */
struct cur {
	struct opcur r;
	struct rec_app fa;
	struct rec_operation fo;
	enum app_state state;
};

/* 1 read, 0 no such app (or not readable), -1 trouble (500 in out).  The
 * ApplicationInfo and the operation record in one round trip. */
static int
cur_load(const char *id, struct cur *c, struct reply *out)
{
	int rc;

	memset(c, 0, sizeof *c);
	if ((rc = opcur_read(&c->r, zkp_app, zkp_operation, "app", id,
	    out)) < 1)
		return rc;
	if (!opcur_keep(&c->r, c->r.info && rec_app_read(c->r.info, &c->fa) ==
	    0, c->r.op && rec_operation_read(c->r.op, &c->fo) == 0))
		return 0;
	c->state = rec_app_state(c->r.info, c->r.op);
	return 1;
}

/* Drove's refusal of t in the app's state, plus the operation in
 * progress by name; 1 allowed, 0 refused (400 in out). */
static int
allowed(const char *id, const struct cur *c, enum op_type t,
    struct reply *out)
{
	char list[256];

	if (op_allowed(c->state, t))
		return 1;
	op_allowed_list(c->state, list, sizeof list);
	reply_refused(out, "app", "", id, app_state_name(c->state), list,
	    c->r.op ? op_type_name(c->fo.requested) : NULL);
	return 0;
}

/* The opSpec of an operation (validated: spec_validate_op) with Drove's
 * defaults into f. */
static void
opspec_into(const json_t *op, struct rec_operation *f)
{
	opspec_parse(json_object_get(op, "opSpec"), &f->timeout_ms,
	    &f->parallelism, &f->strategy);
}

/* The directories apps, operations and events go in. */
static struct opdirs dirs = { 0, { zkp_operations_dir, zkp_apps_dir } };

/*
 * Commit the operation record op (created when create, else replacing
 * the one read, by version), ApplicationInfo app (NULL: unchanged) and
 * the event ev, fenced.  0 done (SUCCESS in out), 1 someone wrote in
 * between (read again), -1 failed (the reply is in out).
 */
static int
commit_op(const char *id, const char *fence, struct cur *c, json_t *op,
    int create, json_t *app, json_t *ev, struct reply *out)
{
	struct zk_txn *t;

	if (!op) {
		reply_500(out, "out of memory");
		return -1;
	}
	t = zk_txn_new(fence);
	if (app)
		zk_txn_set(t, c->r.info_path, app, c->r.info_version);
	if (create)
		zk_txn_create(t, c->r.op_path, op, 0);
	else
		zk_txn_set(t, c->r.op_path, op, c->r.op_version);
	return opcur_commit(&c->r, &dirs, t, ev, "app", "appId", id, out);
}

/* A new operation record of type t for the app in c. */
static struct rec_operation
op_fields(const char *id, const struct cur *c, enum op_type type,
    enum op_type requested, enum app_state state, const json_t *req)
{
	struct rec_operation f;
	long long now = js_now_ms();

	memset(&f, 0, sizeof f);
	f.app_id = id;
	f.type = type;
	f.requested = requested;
	f.state = state;
	opspec_into(req, &f);
	f.required = c->fa.instances;
	f.previous = c->fa.instances;
	f.created = f.updated = now;
	return f;
}

static json_t *
app_with_instances(const struct cur *c, long long n)
{
	struct rec_app f = c->fa;

	f.instances = n;
	f.updated = js_now_ms();
	return rec_app_new(&f);
}

/* SCALE, START_INSTANCES (+n on the HEALTHY count, as Drove) and SUSPEND
 * (0); a SCALE while SCALING_REQUESTED retargets the operation. */
static int
op_scale(const char *id, const char *fence, struct cur *c, enum op_type t,
    const json_t *req, int first, struct reply *out)
{
	struct rec_operation f;
	long long want;
	json_t *op, *app = NULL, *ev;
	int r, create = !c->r.op;

	/* START_INSTANCES adds to the expected count: Drove adds to the
	 * HEALTHY count, the same in the states that allow it but for an
	 * outage not yet seen */
	if (t == OP_SUSPEND)
		want = 0;
	else if (t == OP_START_INSTANCES)
		want = c->fa.instances + js_int(req, "instances", 0);
	else
		want = js_int(req, "requiredInstances", 0);
	if (want > SPEC_MAX_INSTANCES) {
		reply_verr(out, "App %s would have %lld instances; the maximum "
		    "is %d", id, want, SPEC_MAX_INSTANCES);
		return -1;
	}
	if (first && capacity_ok(id, c->fa.spec, want - c->fa.instances, out)
	    != 1)
		return -1;
	if (create)
		f = op_fields(id, c, OP_SCALE_INSTANCES, t,
		    APP_SCALING_REQUESTED, req);
	else {
		/* retarget the scale in progress */
		f = c->fo;
		f.type = OP_SCALE_INSTANCES;
		f.requested = t;
		opspec_into(req, &f);
		f.cancelled = 0;
		f.failure = NULL;
		f.updated = js_now_ms();
	}
	f.required = want;
	op = rec_operation_new(&f);
	if (want != c->fa.instances && !(app = app_with_instances(c, want))) {
		json_decref(op);
		reply_500(out, "out of memory");
		return -1;
	}
	ev = rec_event_app_state(id, c->fa.spec, want, APP_SCALING_REQUESTED,
	    js_now_ms());
	r = commit_op(id, fence, c, op, create, app, ev, out);
	if (r == 0)
		info("app %s: %s to %lld instances", id, create ? "scaling" :
		    "retargeting the scale", want);
	json_decref(op);
	json_decref(app);
	json_decref(ev);
	return r;
}

/* "a, b" of the string array a (Java's list without brackets). */
static void
join_ids(const json_t *a, const char *sep, struct buf *b)
{
	const json_t *x;
	size_t i;

	json_array_foreach(a, i, x)
		buf_addf(b, "%s%s", i ? sep : "", json_string_value(x));
}

/* STOP_INSTANCES and REPLACE_INSTANCES: one step per instance. */
static int
op_steps(const char *id, const char *fence, struct cur *c, enum op_type t,
    const json_t *req, struct reply *out)
{
	const json_t *ids = json_object_get(req, "instanceIds");
	json_t *steps = json_array(), *bad = json_array(), *x, *op, *ev;
	struct rec_instance fi;
	struct rec_operation f;
	enum app_state state = t == OP_STOP_INSTANCES ?
	    APP_STOP_INSTANCES_REQUESTED : APP_REPLACE_INSTANCES_REQUESTED;
	long long now = js_now_ms();
	size_t i, n;
	json_t **v;
	int r;

	view_rdlock(hd.view);
	if (json_array_size(ids)) {
		json_array_foreach(ids, i, x) {
			const char *iid = json_string_value(x);
			json_t *ii = view_instance(hd.view, id, iid);
			int ok = ii && rec_instance_read(ii, &fi) == 0 &&
			    (t == OP_STOP_INSTANCES ?
			    inst_state_is_active(fi.state) :
			    fi.state == INST_HEALTHY);

			json_array_append(ok ? steps : bad, x);
		}
	} else if (t == OP_REPLACE_INSTANCES) {
		/* every HEALTHY instance, oldest first */
		json_t *insts = view_instances(hd.view, id), *ii;
		const char *iid;

		n = 0;
		v = calloc(json_object_size(insts) + 1, sizeof *v);
		json_object_foreach(insts, iid, ii)
			if (v && rec_instance_read(ii, &fi) == 0 &&
			    fi.state == INST_HEALTHY)
				v[n++] = ii;
		qsort(v, n, sizeof *v, instance_by_created);
		for (i = 0; i < n; i++)
			json_array_append_new(steps, json_string(js_str(v[i],
			    "instanceId", "")));
		free(v);
	}
	view_unlock(hd.view);
	if (json_array_size(bad)) {
		struct buf b = BUF_ZERO;

		if (t == OP_STOP_INSTANCES) {
			join_ids(bad, ",", &b);
			reply_verr(out, "App %s does not have any instances "
			    "with the following ids: %s", id, b.s ? b.s : "");
		} else {
			join_ids(bad, ", ", &b);
			reply_verr(out, "There are no replaceable healthy "
			    "instances with ids: [%s]", b.s ? b.s : "");
		}
		buf_free(&b);
		json_decref(steps);
		json_decref(bad);
		return -1;
	}
	json_decref(bad);
	/* ids -> steps */
	json_array_foreach(steps, i, x)
		json_array_set_new(steps, i, rec_step_new(&(struct rec_step){
		    json_string_value(x), NULL, STEP_WAITING, now }));
	f = op_fields(id, c, t, t, state, req);
	f.skip_respawn = json_is_true(json_object_get(req, "skipRespawn"));
	f.stop_first = json_is_true(json_object_get(req, "stopFirst"));
	f.steps = steps;
	op = rec_operation_new(&f);
	ev = rec_event_app_state(id, c->fa.spec, c->fa.instances, state, now);
	r = commit_op(id, fence, c, op, 1, NULL, ev, out);
	if (r == 0)
		info("app %s: %s of %zu instance%s", id, op_type_name(t),
		    json_array_size(steps), json_array_size(steps) == 1 ?
		    "" : "s");
	json_decref(steps);
	json_decref(op);
	json_decref(ev);
	return r;
}

/* DESTROY (from MONITORING) and RECOVER. */
static int
op_plain(const char *id, const char *fence, struct cur *c, enum op_type t,
    const json_t *req, struct reply *out)
{
	enum app_state state = t == OP_DESTROY ? APP_DESTROY_REQUESTED :
	    APP_OUTAGE_DETECTED;
	struct rec_operation f = op_fields(id, c, t, t, state, req);
	json_t *op = rec_operation_new(&f), *ev;
	int r;

	ev = rec_event_app_state(id, c->fa.spec, c->fa.instances, state,
	    f.created);
	r = commit_op(id, fence, c, op, 1, NULL, ev, out);
	if (r == 0)
		info("app %s: %s requested", id, op_type_name(t));
	json_decref(op);
	json_decref(ev);
	return r;
}

static void
op_create(json_t *req, const char *fence, struct reply *out)
{
	json_t *spec = json_object_get(req, "spec"), *ai, *op = NULL, *ev;
	char id[ZKP_MAX];
	long long now = js_now_ms(), n = js_int(req, "instances", 0);
	struct cur c;

	memset(&c, 0, sizeof c);
	if (app_id_of(spec, id, sizeof id) < 0 ||
	    zkp_app(c.r.info_path, hd.ns, id) < 0 ||
	    zkp_operation(c.r.op_path, hd.ns, id) < 0) {
		reply_verr(out, "Invalid application id");
		return;
	}
	/* ZooKeeper decides: the view may not show yet another writer's
	 * change */
	if (!opcur_absent(&c.r, "app", "App", id, out))
		return;
	if (capacity_ok(id, spec, n, out) != 1)
		return;
	ai = rec_app_new(&(struct rec_app){ id, spec, n, now, now });
	if (n > 0) {
		/* the instances come from a scale that CREATE's opSpec
		 * governs */
		if (ai)
			rec_app_read(ai, &c.fa);
		c.fa.instances = 0;
		struct rec_operation f = op_fields(id, &c, OP_SCALE_INSTANCES,
		    OP_CREATE, APP_SCALING_REQUESTED, req);
		f.required = n;
		op = rec_operation_new(&f);
	}
	ev = rec_event_app_state(id, spec, n, n > 0 ? APP_SCALING_REQUESTED :
	    APP_MONITORING, now);
	if (opcur_create(&c.r, &dirs, fence, n > 0 && !op ? NULL : ai, op,
	    ev, "app", "App", id, out) < 0)
		goto out;
	info("app %s created with %lld instances", id, n);
	reply_ok(out, json_pack("{s:s}", "appId", id));
out:
	json_decref(ai);
	json_decref(op);
	json_decref(ev);
}

void
h_operation(const struct req *r, struct reply *out)
{
	json_t *req, *errs;
	enum op_type t;
	char fence[ZKP_MAX];
	const char *id;
	struct cur c;
	int tries, rc;

	if (!(req = req_json(r, out)))
		return;
	errs = json_array();
	if (reply_invalid(out, spec_validate_op(req, &hd.sopts, errs), errs)) {
		json_decref(req);
		return;
	}
	if (!write_gate(fence, out)) {
		json_decref(req);
		return;
	}
	if (op_type_of_api(js_str(req, "type", ""), &t) < 0)
		BUG("spec_validate_op passed an unknown type");
	if (t == OP_CREATE) {
		op_create(req, fence, out);
		json_decref(req);
		return;
	}
	id = js_str(req, "appId", "");
	for (tries = 0, rc = 1; rc == 1 && tries < WRITE_TRIES; tries++) {
		reply_clear(out);
		if ((rc = cur_load(id, &c, out)) <= 0) {
			if (rc == 0)
				reply_verr(out, "App %s not found", id);
			break;
		}
		if (!allowed(id, &c, t, out))
			rc = -1;
		else if (t == OP_SCALE_INSTANCES || t == OP_START_INSTANCES ||
		    t == OP_SUSPEND)
			rc = op_scale(id, fence, &c, t, req, tries == 0, out);
		else if (t == OP_STOP_INSTANCES || t == OP_REPLACE_INSTANCES)
			rc = op_steps(id, fence, &c, t, req, out);
		else
			rc = op_plain(id, fence, &c, t, req, out);
		opcur_free(&c.r);
	}
	if (rc == 1)
		reply_500(out, "app %s: the operation kept meeting other "
		    "writes; try again", id);
	json_decref(req);
}

/* opcur_cancel()'s reading of app id: stops and destroys are not
 * cancellable (as in Drove). */
static int
cancel_marked(const char *id, struct opcur *r, json_t **op,
    struct reply *out)
{
	struct cur c;
	int rc;

	if ((rc = cur_load(id, &c, out)) < 1)
		return rc;
	if (!c.r.op || c.fo.type == OP_STOP_INSTANCES ||
	    c.fo.type == OP_DESTROY || c.fo.cancelled) {
		opcur_free(&c.r);
		return 0;
	}
	c.fo.cancelled = 1;
	c.fo.updated = js_now_ms();
	*op = rec_operation_new(&c.fo);
	*r = c.r;
	return 1;
}

void
h_cancel(const char *app_id, struct reply *out)
{
	opcur_cancel(cancel_marked, "app", app_id, out);
}
