/*
 * drove-execd internals shared by main.c (config, ZooKeeper, the poll
 * loop, node data), inst.c (one thread per instance: its lifecycle),
 * check.c (readiness/health checks and pre-shutdown hooks), box.c (the
 * container create body), zombie.c (the continuous zombie reaper) and
 * ready.c (the executor's UNREADY/ACTIVE state).
 *
 * Locking: X.mu guards the instance list and every field of struct inst
 * marked (mu).  Instance threads sleep on their own condvar (with X.mu)
 * and learn of a stop request or a container death through it; they wake
 * the main loop through X.wake[1] after every state change.
 */
#ifndef DROVE_EXECD_H
#define DROVE_EXECD_H

#include <pthread.h>
#include <stdatomic.h>

#include "duration.h"
#include "engine.h"
#include "json.h"
#include "model.h"
#include "record.h"
#include "topo.h"
#include "zk.h"

struct inst {
	struct inst *next;		/* (mu) */
	char id[96];
	enum job_type job;		/* what app_id/app_name name, where
					   the state is reported, labels,
					   env */
	char app_id[256];		/* appId, serviceId or sourceAppName */
	char app_name[256];		/* appName, serviceName or
					   sourceAppName */
	json_t *spec;			/* the assignment; set before start */
	json_t *ports;			/* name -> {containerPort,hostPort,
					   portType}; owned by the thread */
	char container[96];		/* (mu) container id, "" if none */
	enum inst_state state;		/* (mu) */
	char errmsg[512];		/* (mu) */
	long long created;
	int stop;			/* (mu) stop requested */
	int died;			/* (mu) die event seen */
	int vanished;			/* (mu) with died: the container
					   was removed behind our back */
	int exit_code;			/* (mu) */
	int running;			/* (mu) thread started, not joined */
	int finished;			/* (mu) thread ended, to be joined */
	int adopt;			/* adopt the running container */
	enum inst_state adopt_state;	/* its stored state */
	int written;			/* (mu) the state last written (its
					   event emitted), -1 none */
	pthread_t th;
	pthread_cond_t cv;
	atomic_int log_cancel;
	pthread_t log_th;
	int log_running;
	/* a task (job COMPUTATION, task.c): state stays INST_PENDING,
	   written holds a task_state */
	char task_id[256];
	enum task_state tstate;		/* (mu) */
	int has_result;			/* (mu) */
	struct rec_task_result result;	/* (mu) */
	int lost_on_start;		/* no container for a task past
					   PROVISIONING: report it LOST */
	int queued;			/* its state writes not done yet
					   (task.c's writer lock) */
};

struct execd {
	json_t *cfg;
	struct zk *zk;
	struct engine *eng;
	const char *ns;
	char executor_id[64];
	char hostname[256];
	int port;
	const char *publish_addr;
	int cache_images;
	long long max_open_files;
	long long stop_timeout_s;
	long long cmd_timeout_ms;
	long long zombie_check_ms;	/* the periodic zombie sweep */
	const char *log_path;		/* NULL: no instance logs */
	int numa_pinning;
	int overprov_prime;		/* 0 unless over-provisioning */
	struct topo topo;
	pthread_mutex_t mu;
	struct inst *list;		/* (mu) */
	pthread_rwlock_t zkrw;		/* instance threads' ZooKeeper writes
					   (read) against zk_close (write) */
	int closing;			/* (zkrw) zk is closed */
	int wake[2];
};

extern struct execd X;

/* main.c: the instance of that id, NULL if none; X.mu held. */
struct inst *find_inst(const char *id);

/* zombie.c: the reaper thread (start it after recovery); the engine's
 * create/start (attributes of the event) and destroy events of labelled
 * containers; a sweep now (when events may have been missed). */
void zombie_start(void);
void zombie_poke(void);		/* a sweep now */
void zombie_event(const json_t *attrs);
void zombie_destroyed(const char *iid, const char *cid);

/* inst.c */
void *inst_main(void *arg);
json_t *inst_info(struct inst *in);		/* call with X.mu held */
void inst_wake_main(void);
/* inst.c, the pieces of an instance's life that a task's shares:
 * wait_for() sleeps up to ms (forever if < 0) unless a stop or a death
 * arrives (W_TIMEOUT, W_STOP, W_DIED); provision() pulls the image unless
 * present; start_container() creates (labels from the spec and the
 * info), copies configs, starts; set_container() notes the container;
 * logs_start()/logs_stop() follow the container's output into
 * <logPath>/<appId or sourceAppName>/<instanceId or taskId>/output.log;
 * logs_drain() waits (up to ms) for the follower to reach the end of the
 * output of a container that exited, then stops it; container_removed()
 * says whether the container is gone or being removed. */
enum { W_TIMEOUT, W_STOP, W_DIED };
int wait_for(struct inst *in, long long ms);
int provision(struct inst *in, char *err, size_t errlen);
int start_container(struct inst *in, char *err, size_t errlen);
void set_container(struct inst *in, const char *id);
void logs_start(struct inst *in, const char *container, long long since);
void logs_stop(struct inst *in);
void logs_drain(struct inst *in, long long ms);
int container_removed(const char *cid);

/* main.c: a new entry for instance iid with assignment a (referenced),
 * linked into X.list; X.mu held. */
struct inst *inst_new(const char *iid, json_t *a);

/* task.c: register the task of assignment a (read into ra) with its
 * stored TaskInfo ji (NULL: none) and the container to adopt, running or
 * exited (NULL: none), starting its thread unless it is over; X.mu held.
 * task_info(): its TaskInfo now; X.mu held. */
void task_add(const char *iid, json_t *a, const struct rec_assignment *ra,
    const json_t *ji, const char *adopt);
json_t *task_info(struct inst *in);
/* task.c: wait up to ms for the queued TaskInfo writes (at exit). */
void task_flush(long long ms);

/* ready.c: the executor's state, UNREADY until every ACTIVE local
 * service has instancesPerHost HEALTHY instances here, then ACTIVE for
 * good.  ready_sync() (re)reads the LocalServiceInfos, watching them
 * while UNREADY; ready_path(): a path below their directory;
 * ready_eval() looks again (takes X.mu): 1 when it has just turned
 * ACTIVE.  Main thread only. */
void ready_sync(void);
int ready_path(const char *path);
int ready_eval(void);
enum executor_state ready_state(void);

/* check.c: 1 healthy, 0 not. */
int check_once(struct inst *in, const json_t *mode, long timeout_ms);
void run_hooks(struct inst *in, const json_t *pre);

/* box.c: the POST /containers/create body; ports picked for in (a
 * host-level local-service instance's host ports are its container
 * ports: box_host_level()). */
json_t *box_body(struct inst *in, json_t *info);
int box_pick_ports(struct inst *in);
int box_host_level(const struct inst *in);

#endif
