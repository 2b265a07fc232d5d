/* fz_snapshot: libFuzzer harness for lib/snapshot: parse the input as a
 * `drove-zkcli dump` NDJSON snapshot (namespace from the first line), and
 * when it parses build the placement view, order the requests and place
 * each of them as drove-sched --dry-run does (every strategy in turn). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "placement.h"
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int strategy;
	struct pl_view *v;
	struct pl_request rq;
	json_t *snap, *reqs, *r, *app;
	const char *app_id;
	size_t i;

	if (!(snap = snap_parse((const char *)data, size, NULL))) {
		if (errno == EINVAL && (strlen(err_text()) >= ERR_TEXT_MAX ||
		    strncmp(err_text(), "line ", 5)))
			abort();
		return 0;
	}
	if (!(v = snap_view(snap)) || !(reqs = snap_requests(snap)))
		abort();
	strategy = (strategy + 1) % 3;
	if (pl_view_set_strategy(v, strategy, size) < 0)
		abort();
	json_array_foreach(reqs, i, r) {
		struct pl_result res = PL_RESULT_ZERO;

		app_id = js_str(r, "appId", NULL);
		if (!app_id || !(app = json_object_get(json_object_get(snap,
		    "applications"), app_id)))
			continue;
		snap_pl_request(app_id, json_object_get(app, "spec"), &rq);
		if (pl_place_env(v, &rq, json_object_get(json_object_get(app,
		    "spec"), "env"), &res) < 0 && errno != EINVAL)
			abort();
		if (!memchr(res.why, '\0', sizeof res.why))
			abort();
		pl_result_free(&res);
	}
	json_decref(reqs);
	pl_view_free(v);
	json_decref(snap);
	return 0;
}
