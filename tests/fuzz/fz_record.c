/* fz_record: libFuzzer harness for lib/record's readers: any JSON
 * document through every rec_*_read(), and what one accepts built again
 * with its rec_*_new() and read back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_app a;
	struct rec_request q;
	struct rec_assignment s;
	struct rec_instance i;
	struct rec_executor e;
	struct rec_cluster c;
	struct rec_leader l;
	struct rec_operation o;
	struct rec_step st;
	struct rec_event ev;
	json_t *j, *k;

	if (!(j = js_parse((const char *)data, size)))
		return 0;
	if (rec_app_read(j, &a) == 0) {
		k = rec_app_new(&a);
		if (!k || rec_app_read(k, &a) < 0)
			abort();
		json_decref(k);
	}
	if (rec_request_read(j, &q) == 0) {
		k = rec_request_new(&q);
		if (!k || rec_request_read(k, &q) < 0)
			abort();
		json_decref(k);
		json_decref(rec_request_with_error(j, "why"));
	}
	if (rec_assignment_read(j, &s) == 0)
		json_decref(rec_assignment_stopped(j));
	if (rec_instance_read(j, &i) == 0) {
		k = rec_instance_new(&i);
		if (!k || rec_instance_read(k, &i) < 0)
			abort();
		json_decref(k);
		json_decref(rec_instance_with_state(j, INST_HEALTHY, NULL, 1));
	}
	if (rec_executor_read(j, &e) == 0) {
		k = rec_executor_new(&e);
		if (!k || rec_executor_read(k, &e) < 0)
			abort();
		json_decref(k);
	}
	if (rec_cluster_read(j, &c) == 0)
		json_decref(rec_cluster_new(&c));
	if (rec_leader_read(j, &l) == 0)
		json_decref(rec_leader_new(&l));
	if (rec_operation_read(j, &o) == 0) {
		k = rec_operation_new(&o);
		if (!k || rec_operation_read(k, &o) < 0)
			abort();
		json_decref(k);
	}
	if (rec_step_read(j, &st) == 0) {
		k = rec_step_new(&st);
		if (!k || rec_step_read(k, &st) < 0)
			abort();
		json_decref(k);
	}
	if (rec_event_read(j, &ev) == 0) {
		k = rec_event_new(&ev);
		if (!k || rec_event_read(k, &ev) < 0)
			abort();
		json_decref(k);
	}
	json_decref(rec_event_instance_state(j, 1));
	{	/* tasks (record_task.c) */
		struct rec_task t;
		struct rec_task_request tq;

		if (rec_task_read(j, &t) == 0) {
			k = rec_task_new(&t);
			if (!k || rec_task_read(k, &t) < 0)
				abort();
			json_decref(k);
			json_decref(rec_task_with_state(j, TASK_STOPPED, "x",
			    &t.result, 1));
			json_decref(rec_event_task_state(j, 1));
		}
		if (rec_task_request_read(j, &tq) == 0) {
			k = rec_task_request_new(&tq);
			if (!k || rec_task_request_read(k, &tq) < 0)
				abort();
			json_decref(k);
		}
	}
	json_decref(rec_event_app_state("a-1", j, 1, APP_RUNNING, 1));
	json_decref(j);
	return 0;
}
