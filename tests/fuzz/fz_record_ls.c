/* fz_record_ls: libFuzzer harness for lib/record_ls.c's readers: any JSON
 * document through rec_ls_read(), rec_ls_op_read() and
 * rec_ls_request_read(), what one accepts built again with its builder
 * and read back; the state and event builders on it too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_ls l;
	struct rec_ls_op o;
	struct rec_ls_request q;
	json_t *j, *k;

	if (!(j = js_parse((const char *)data, size)))
		return 0;
	if (rec_ls_read(j, &l) == 0) {
		k = rec_ls_new(&l);
		if (!k || rec_ls_read(k, &l) < 0)
			abort();
		json_decref(k);
	}
	if (rec_ls_op_read(j, &o) == 0) {
		(void)rec_ls_op_has(&o, "SI-1");
		k = rec_ls_op_new(&o);
		if (!k || rec_ls_op_read(k, &o) < 0)
			abort();
		json_decref(k);
	}
	if (rec_ls_request_read(j, &q) == 0) {
		k = rec_ls_request_new(&q);
		if (!k || rec_ls_request_read(k, &q) < 0)
			abort();
		json_decref(k);
	}
	(void)rec_ls_state(j, j);
	json_decref(rec_event_ls_state("s-1", j, 1, LS_STATE_ACTIVE, 1));
	json_decref(j);
	return 0;
}
