/*
 * httpd.h: what main.c (daemon, leadership cache) and the request
 * handlers (httpd_api.c, httpd_proxy.c) share inside drove-httpd.
 *
 * A request is handled on its own MHD thread.  Reads come from the view
 * (hd.view, kept current by the main thread; handlers hold its read lock
 * while they look); writes go to ZooKeeper with the (thread-safe)
 * synchronous zk calls, then wait for the view to show them.  The
 * leadership state is read only through leader_get().  A handler fills a
 * struct reply: a JSON body (json, owned), raw bytes (raw, malloc'd,
 * owned), or queues a shared response itself (queued: 1 done, -1 failed).
 */
#ifndef DROVE_HTTPD_H
#define DROVE_HTTPD_H

#include <stdatomic.h>
#include <stddef.h>
#include <microhttpd.h>

#include "json.h"
#include "model.h"
#include "spec.h"
#include "view.h"
#include "zk.h"
#include "zkpath.h"

#define HTTPD_BODY_MAX (1024 * 1024)
#define HTTPD_NOT_LEADER "This node is not the leader controller"

struct httpd {
	json_t *cfg;
	struct zk *zk;
	struct view *view;
	const char *ns;
	char hostname[256];		/* options.hostname or gethostname */
	int port;			/* the bound API port */
	struct spec_opts sopts;
	const char *cluster_secret;	/* clusterAuth CONTROLLER secret */
	struct auth *auth;		/* users, roles, cluster secrets */
	const char *instance_secret;	/* instanceAuth.secret */
};
extern struct httpd hd;

struct principal;			/* lib/auth.h */

struct req {
	struct MHD_Connection *conn;
	const char *method;
	const char *url;
	const char *body;
	size_t body_len;
	const struct principal *who;	/* who called (lib/auth), once
					   authenticated; NULL before */
};

struct reply {
	unsigned int code;
	json_t *json;
	char *raw;
	size_t raw_len;
	char ctype[128];
	char disposition[512];
	char location[512];		/* a redirect's Location, "" none */
	int queued;
	char challenge[64];		/* a 401's WWW-Authenticate, "" none */
	const char *route;		/* the route's pattern (static, e.g.
					   "applications/{id}/instances"), NULL
					   when no route matched: the
					   metrics' label */
};

/* Copies the leader's election znode path into fence (ZKP_MAX) and its
 * "host:port" into addr (addr_len, "" if none); returns 1 if this node is
 * the leader, else 0.  fence and addr may be NULL. */
int leader_get(char *fence, char *addr, size_t addr_len);
/* Grows with every change of leader (for caches of what shows it). */
unsigned long leader_gen(void);

/* httpd_api.c: an /apis request: the leadership check, its route
 * (lib/apiroute), who calls (lib/auth: 401), whether the route lets them
 * (403), ACCESS_AUDIT lines, then the route's handler.  r->who is set
 * while the handler runs. */
void api_handle(struct req *r, struct reply *out);
void reply_ok(struct reply *out, json_t *data);
void reply_fail(struct reply *out, unsigned int code, const char *message,
    json_t *data);
void reply_500(struct reply *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* 400 "Command validation failure" with the messages in errs (stolen). */
void reply_verrs(struct reply *out, json_t *errs);
/* The answer to n, what a spec_validate*() returned for errs (taken):
 * 0 valid (nothing in out), else 1 with 400 "Command validation failure"
 * (n > 0) or 500 out of memory (n < 0) in out. */
int reply_invalid(struct reply *out, int n, json_t *errs);
/* 400 "Command validation failure" with one message. */
void reply_verr(struct reply *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The query argument key as a non-negative integer (lib/apiroute
 * api_count) in *v, def when absent or empty: 0, or -1 with 400 in out. */
int query_count(const struct req *r, const char *key, long long def,
    long long *v, struct reply *out);
/* Every value of a repeatable query argument (new array). */
json_t *query_all(const struct req *r, const char *key);
/* SUCCESS with record x (a reference taken) or, x NULL, FAILED (HTTP 200)
 * with the message of fmt. */
void reply_record(struct reply *out, json_t *x, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Forgets out's JSON answer (a retry writes another). */
void reply_clear(struct reply *out);
/* The JSON body of r (new reference), or NULL with 400 "JSON validation
 * failure" in out. */
json_t *req_json(const struct req *r, struct reply *out);
/* FAILED with HTTP 200 and the message of fmt (Drove's answer to an
 * unknown id on reads); data (stolen) may be NULL. */
void reply_unknown(struct reply *out, json_t *data, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* httpd_read.c: the GETs, from the view.  Unknown ids answer HTTP 200
 * with status FAILED, as Drove does. */
void h_apps(const struct req *r, struct reply *out);
void h_app(const char *app_id, struct reply *out);
void h_app_spec(const char *app_id, struct reply *out);
void h_instances(const struct req *r, const char *app_id,
    struct reply *out);
void h_instance(const char *app_id, const char *iid, struct reply *out);
void h_endpoints(const struct req *r, const char *only, struct reply *out);
void h_cluster(const struct req *r, struct reply *out);
void h_executors(const struct req *r, struct reply *out);
void h_executor(const char *eid, struct reply *out);
void h_old_instances(const struct req *r, const char *app_id,
    struct reply *out);
/* 1 while the cluster is in Drove's maintenance window (lib/record
 * cluster_in_window: MAINTENANCE, or 40 s after any set or unset): the
 * write and validate APIs answer 400 "Cluster is in maintenance mode". */
int read_in_maintenance(void);
/* GET /apis/v1/internal/cluster/executors/{id}/instances/last|current */
void h_known_instances(const char *eid, int last, struct reply *out);
#define HTTPD_IN_MAINTENANCE "Cluster is in maintenance mode"
/* The state of InstanceInfo ii (INST_UNKNOWN when unreadable). */
enum inst_state read_inst_state(const json_t *ii);
/* o (a "currentOperation", NULL: none) with how far the operation is
 * when counted ("stepsDone": its steps DONE or FAILED, "stepsTotal"; steps
 * NULL: none), and its "failure" unless failure is NULL. */
json_t *op_progress(json_t *o, int counted, const json_t *steps,
    const char *failure);
/* The instance states a listing keeps, into want[INST_STATE_COUNT]: those
 * of r's repeatable "state" query argument (any case), or the active ones
 * without one.  0, or -1 with 400 "Invalid instance state X" in out. */
int read_state_filter(const struct req *r, int *want, struct reply *out);
/* The InstanceInfos of the map insts whose state want keeps, by created
 * (newest_first: the other way): a new array of borrowed records (view
 * read-locked). */
json_t *read_instances_in(json_t *insts, const int *want, int newest_first);
/* qsort order of json_t * InstanceInfos: created, then instanceId. */
int instance_by_created(const void *a, const void *b);
void read_cache_free(void);
/* Drove's from/size paging of GET /applications and /localservices:
 * read_page_args() reads them (size's default READ_PAGE_ALL): 1 a page is
 * asked for, 0 the whole listing, -1 (400 in out) bad arguments;
 * read_page() the members of map sorted by id, from `from`, at most size,
 * each mapped by each (NULL results left out), as a new object (view
 * read-locked). */
#define READ_PAGE_ALL 2147483646LL
int read_page_args(const struct req *r, long long *from, long long *size,
    struct reply *out);
json_t *read_page(json_t *map, long long from, long long size,
    json_t *(*each)(const json_t *));

/* The capacity check's placement view: a change of the view (main
 * thread), freed at exit. */
void capacity_change(const struct view_change *c);
void capacity_free(void);

/* httpd_ops.c: POST /apis/v1/applications/operations (and the legacy
 * /apis/v1/operations): accepted operations are written as records
 * (lib/record rec_operation) that drove-monitor carries out; and
 * POST .../operations/{appId}/cancel. */
void h_operation(const struct req *r, struct reply *out);
void h_cancel(const char *app_id, struct reply *out);

/*
 * httpd_ops.c: what the write APIs (apps, local services, tasks) share.
 * write_gate(): 1 a write may go, with the leader's election znode (the
 * fence) in fence (ZKP_MAX); 0 refused (400 in out): the maintenance
 * window, or this node is not the leader.
 * reply_write_error(): the zk failure (errno) of a fenced write of
 * <noun> <id>: 400 not the leader (EPERM), else 500.
 * reply_refused(): Drove's refusal of an operation (400): "Only <list>
 * allowed for <noun> <id> as it is in <state> state" ("No operations
 * allowed for <none_noun><id> ..." when list is ""), then "Operation
 * <in_progress> is in progress for <noun> <id>" unless in_progress is
 * NULL.
 * opspec_parse(): the opSpec os (validated; NULL: none) with Drove's
 * defaults: timeout 300 s, parallelism 1 (at least), failureStrategy STOP.
 */
int write_gate(char *fence, struct reply *out);
void reply_write_error(struct reply *out, const char *noun, const char *id);
void reply_refused(struct reply *out, const char *noun,
    const char *none_noun, const char *id, const char *state,
    const char *list, const char *in_progress);
void opspec_parse(const json_t *os, long long *timeout_ms, int *parallelism,
    enum failure_strategy *strategy);

/*
 * What an operation on an app or a local service is decided on, as
 * ZooKeeper has it now: its record (info) and its operation record (op),
 * each NULL when absent or not JSON, owned.
 * opcur_read(): the paths of id by info_path and op_path (zkp_*
 * functions), then both in one round trip: 1 read, 0 id makes no path
 * (nothing read), -1 trouble (500 "unable to read <noun> <id>" in out,
 * nothing held).  opcur_await(): waits (5 s
 * at most) for the view to show both paths, so that the client's next
 * read from this controller sees its write.
 */
struct opcur {
	char info_path[ZKP_MAX], op_path[ZKP_MAX];
	json_t *info, *op;
	int info_version, op_version;
};
int opcur_read(struct opcur *c, int (*info_path)(char *, const char *,
    const char *), int (*op_path)(char *, const char *, const char *),
    const char *noun, const char *id, struct reply *out);
/* After opcur_read(): info dropped unless info_ok (it reads as its
 * record), op dropped unless info is kept and op_ok; 1 info kept, else 0. */
int opcur_keep(struct opcur *c, int info_ok, int op_ok);
void opcur_free(struct opcur *c);
void opcur_await(const struct opcur *c);

/* The directories a kind of write goes in (dir: zkp_*_dir functions,
 * unused ones NULL; the events' always), made sure of once and again after
 * opdirs_forget() (a write met a missing node).  Static, zero known. */
struct opdirs {
	atomic_int known;
	int (*dir[2])(char *out, const char *ns);
};
int opdirs_ensure(struct opdirs *d);
void opdirs_forget(struct opdirs *d);
/* opcur_absent(): 1 when c's record is not in ZooKeeper, else 0 with 400
 * "<Noun> <id> already exists" or 500 in out.  opcur_create(): creates c's
 * record info and operation record op (NULL: none) with the event ev,
 * fenced, in one transaction (once more if a directory was missing): 0
 * done, the view shows them (out untouched); -1 failed (400 "<Noun> <id>
 * already exists", 500 for a NULL info or ev or a write error, in out). */
int opcur_absent(const struct opcur *c, const char *noun, const char *Noun,
    const char *id, struct reply *out);
int opcur_create(struct opcur *c, struct opdirs *d, const char *fence,
    const json_t *info, const json_t *op, const json_t *ev,
    const char *noun, const char *Noun, const char *id, struct reply *out);
/* Drove's refusal of a cancel (400). */
#define CANNOT_CANCEL "Current operation could not be cancelled"
/* A cancel of <noun> <id>, behind write_gate(): marked(id, c, op, out)
 * reads it (1 c read, *op its operation record marked cancelled, owned, NULL
 * out of memory; 0 nothing cancellable, nothing held; -1 trouble, the reply
 * in out), then op is committed over c's by version, the reads tried again
 * while other writes come first.  The reply: SUCCESS once the view shows it,
 * 400 CANNOT_CANCEL, or the write error. */
void opcur_cancel(int (*marked)(const char *id, struct opcur *c,
    json_t **op, struct reply *out), const char *noun, const char *id,
    struct reply *out);
/* Commits t (fenced, built by the caller; always consumed) with the event
 * ev added, once d's directories are there.  0 done: the view shows c's
 * paths, SUCCESS {idkey: id} in out; 1 someone wrote in between (EEXIST,
 * ESTALE, ENOENT: read again); -1 failed (500 "out of memory" for a NULL
 * ev, else the write error of <noun> <id> in out). */
int opcur_commit(struct opcur *c, struct opdirs *d, struct zk_txn *t,
    const json_t *ev, const char *noun, const char *idkey, const char *id,
    struct reply *out);

/* httpd_events.c: Drove's event reads, from the view's events, and the
 * push stream (Server-Sent Events). */
void h_events(const struct req *r, struct reply *out);
void h_events_latest(const struct req *r, struct reply *out);
void h_events_summary(const struct req *r, struct reply *out);
void h_events_stream(const struct req *r, struct reply *out);
/* The main thread: events_init() before the daemon starts;
 * events_change() for every view change (keeps the events index, wakes the
 * streams); events_wake() when the leadership changes (streams end);
 * events_stop() before MHD_stop_daemon() (streams end); events_free() at
 * exit. */
void events_init(void);
/* 1 while a push stream is open: the main thread then reads changes
 * sooner (its readers wait on them). */
int events_streaming(void);
void events_change(const struct view_change *c);
void events_wake(void);
void events_stop(void);
void events_free(void);

/* httpd_executors.c: POST .../cluster/executors/blacklist?id= (one NULL)
 * and .../cluster/executors/{one}/blacklist; on 0: unblacklist. */
void h_blacklist(const struct req *r, const char *one, int on,
    struct reply *out);
/* httpd_cluster.c: POST /apis/v1/cluster/maintenance/set and /unset. */
void h_maintenance_set(struct reply *out);
void h_maintenance_unset(struct reply *out);

/* httpd_proxy.c: /apis/v1/logfiles/applications/{appId}/{iid}/{rest} */
void proxy_logfiles(const struct req *r, const char *app_id,
    const char *instance_id, const char *rest, struct reply *out);

/* httpd_localservices.c: /apis/v1/localservices/...: operations
 * (h_ls_operation), cancel, the list, one service (spec: its masked spec),
 * its instances (old: the ended ones), one instance; and GET
 * /apis/v1/internal/cluster/resources/reserved.
 * ls_count(): local services (active_only: the ACTIVE ones);
 * ls_executor_instances(): the LocalServiceInstanceInfos not over on
 * executor eid (new array); both with the view read-locked. */
void h_ls_operation(const struct req *r, struct reply *out);
void h_ls_cancel(const char *id, struct reply *out);
void h_ls_list(const struct req *r, struct reply *out);
void h_ls_one(const char *id, int spec, struct reply *out);
void h_ls_instances(const struct req *r, const char *id, int old,
    struct reply *out);
void h_ls_instance(const char *id, const char *iid, struct reply *out);
void h_reserved(struct reply *out);
long long ls_count(int active_only);
json_t *ls_executor_instances(const char *eid);
/* httpd_proxy.c: /apis/v1/logfiles/localservices/{serviceId}/{iid}/{rest} */
void proxy_logfiles_ls(const struct req *r, const char *service_id,
    const char *instance_id, const char *rest, struct reply *out);
/* httpd_ops.c: Drove's checkResources for n more instances of spec (an
 * ApplicationSpec or a TaskSpec) of app_id: 1 enough, 0 not (400 with
 * the reason in out), -1 out of memory (500 in out). */
int capacity_ok(const char *app_id, const json_t *spec, long long n,
    struct reply *out);

/* httpd_tasks.c: the task API.  tasks_active(): the active TaskInfos
 * (of executor_id; NULL: all), new array of borrowed records, and
 * tasks_active_count(): their number; both with the view's read lock
 * held. */
void h_task_operation(const struct req *r, struct reply *out);
void h_tasks(struct reply *out);
void h_task(const char *app, const char *task, struct reply *out);
void h_task_delete(const char *app, const char *task, struct reply *out);
void h_task_search(const struct req *r, struct reply *out);
json_t *tasks_active(const char *executor_id);
long long tasks_active_count(void);
/* httpd_proxy.c: /apis/v1/logfiles/tasks/{sourceAppName}/{taskId}/{rest} */
void proxy_task_logfiles(const struct req *r, const char *app,
    const char *task, const char *rest, struct reply *out);

/*
 * httpd_internal.c: Drove's sibling discovery for application and
 * local-service instances, authenticated by their instance token
 * (lib/itoken: the header App-Instance-Authorization, verified with
 * itoken_verify() and cfg_instance_secret()).
 * itoken_live(): 1 when the view (read-locked inside) holds t's instance,
 * an app's InstanceInfo (appId/instanceId) or a local service's
 * LocalServiceInstanceInfo (serviceId/instanceId), on t's executor, in an
 * active state (not failed, STOPPED, LOST); else 0: the caller answers
 * 401.
 * h_internal_instances(): GET /apis/v1/internal/instances for the
 * instance of t (verified and live): SUCCESS with the InstanceInfos of
 * its app (a local service's: its LocalServiceInstanceInfos), sorted by
 * instanceId, whose state is one of the repeatable "state" query
 * argument (any case; 400 "Invalid instance state X" for an unknown one)
 * or, without one, UNREADY, READY or HEALTHY.  forApp=true (any case, as
 * Jersey reads a boolean) widens it to every app (local service) whose
 * spec has the same name, all versions.
 */
struct itoken;				/* lib/itoken.h */
int itoken_live(const struct itoken *t);
void h_internal_instances(const struct req *r, const struct itoken *t,
    struct reply *out);

/*
 * httpd_metrics.c: GET /metrics, Prometheus' text format (lib/metrics),
 * answered by every controller, leader or not, without authentication.
 * metrics_request(): counts a request answered (any thread, after its
 * reply is sent; rep's json and raw may be gone, code and route are
 * read): drove_http_requests_total{route,method,code} and its latency
 * (usec, from its start) in drove_http_request_duration_seconds{route,
 * method}, route being rep->route or "unmatched"; a POST of an operation
 * answered 200 counts in drove_operations_accepted_total{kind,type}.
 * metrics_event(): counts an event that appeared in the view (the main
 * thread, from events_change()) in drove_events_total{type}; events
 * older than this process are not counted.
 * h_metrics(): the whole exposition in out->raw (route "/metrics").
 * httpd_metrics_free(): at exit.
 */
void metrics_request(const struct req *r, const struct reply *rep,
    long long usec);
void metrics_event(const struct view_change *c);
void h_metrics(struct reply *out);
void httpd_metrics_free(void);

/* httpd_read.c: the cluster's figures, from the view (read-locked), as
 * GET /apis/v1/cluster and the metrics show them.  Cores and MB are over
 * ACTIVE executors; instances are every InstanceInfo the view keeps. */
struct cluster_figures {
	long long active_executors, inactive_executors;
	long long free_cores, used_cores, free_mb, used_mb;
	long long apps, active_apps, running_apps;
	long long healthy_instances, other_instances;
	long long running_tasks;
};
void read_cluster_figures(struct cluster_figures *f);

/* httpd_read.c, for the dashboard (view read-locked; new references):
 * GET /apis/v1/cluster's data (ClusterSummary), an app's AppSummary (as
 * GET /apis/v1/applications/{id}) and an executor's ExecutorSummary (as
 * GET /apis/v1/cluster/executors lists it). */
json_t *read_cluster_summary(void);
json_t *read_app_summary(const json_t *info);
json_t *read_executor_summary(const char *eid, const json_t *node);
/* httpd_localservices.c: a service's LocalServiceSummary, as GET
 * /apis/v1/localservices/{id} answers it (view read-locked; new
 * reference, NULL for an unreadable record). */
json_t *ls_summary(const json_t *info);
/* httpd_dashboard.c: GET /apis/v1/cluster/dashboard (Drove's
 * DashboardData, from the view: computed again once the view or the
 * leader changed, at most once a second) and POST
 * /apis/v1/messages (executor-to-controller messages: 400 without a
 * ControllerMessage type or a header, else 200 with Drove's bare
 * MessageResponse, REJECTED: our executors report through ZooKeeper). */
void h_dashboard(struct reply *out);
void h_messages(const struct req *r, struct reply *out);

#endif
