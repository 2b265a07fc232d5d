/* fz_task_op: libFuzzer harness for the API's TaskOperation (CREATE, KILL)
 * decoder (lib/spec spec_validate_task_op), as fz_spec.h runs it. */
#include "fz_spec.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_spec(data, size, spec_validate_task_op);
}
