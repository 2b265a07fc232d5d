/*
 * pltrack: a placement view (lib/placement) kept current by the changes
 * of a view (lib/view), so that placing and capacity checks never rebuild
 * it for one change: an assignment that appears is held, one that goes is
 * released, an executor that changes is removed and added again with the
 * assignments the view shows on it.  drove-sched places on it and
 * drove-httpd's capacity check reads it.
 *
 *   struct pltrack *t = plt_new(view, PL_BEST_FIT, seed);
 *   in the view's change callback:  grew |= plt_change(t, change);
 *   struct pl_view *pv = plt_view(t, &built);   built from the view when
 *                                             needed (then built is 1)
 *   pl_place_env(pv, ...) == 1  ->  plt_placed(t, instanceId, executorId)
 *
 * The executors and assignments must be parts of the view (VIEW_EXECUTORS
 * | VIEW_ASSIGNMENTS).  Each assignment is held once however often it is
 * reported (the tracker remembers which instance ids it holds, and
 * where); plt_placed() tells it that pl_place() already holds one whose
 * znode is still to come.
 *
 * plt_change() returns 1 when capacity may have grown (an assignment was
 * released, an executor appeared or changed), else 0.  plt_view() returns
 * the placement view, building it from the view on first use and after a
 * failure (NULL with errno ENOMEM); its borrowed pointer stays valid until
 * the next plt_change(), plt_reset() or plt_free().  plt_reset() drops it
 * to be built again.  None of these lock: callers that share a tracker
 * between threads hold their own lock around every call.
 */
#ifndef DROVE_PLTRACK_H
#define DROVE_PLTRACK_H

#include "placement.h"
#include "view.h"

struct pltrack;

struct pltrack *plt_new(struct view *v, int strategy,
    unsigned long long seed);	/* NULL on ENOMEM */
void plt_free(struct pltrack *t);
int plt_change(struct pltrack *t, const struct view_change *c);
struct pl_view *plt_view(struct pltrack *t, int *built);
int plt_placed(struct pltrack *t, const char *instance_id,
    const char *executor_id);	/* 0, -1 ENOMEM */
void plt_reset(struct pltrack *t);
/* Warnings of the last build (executors the placement view refused), as
 * a borrowed array of strings; cleared by the next build. */
json_t *plt_warnings(struct pltrack *t);

#endif
