/*
 * fz_spec.h: what the spec and operation harnesses share (fz_app, fz_op,
 * fz_task, fz_ls): any bytes parsed as JSON and validated by validate
 * twice, without and with the hardening options (allowedMountDirs,
 * disableCmdlArgs); the result must agree with the errors, which must all
 * be strings.  One harness includes it and names its validator.
 */
#ifndef FZ_SPEC_H
#define FZ_SPEC_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fz_spec(const uint8_t *data, size_t size,
    int (*validate)(json_t *, const struct spec_opts *, json_t *))
{
	static json_t *mounts;
	struct spec_opts plain = SPEC_OPTS_ZERO, hard = SPEC_OPTS_ZERO;
	json_t *x, *errs;
	size_t i;
	int k, r;

	if (!mounts)
		mounts = json_pack("[s]", "/mnt/scratch");
	hard.allowed_mount_dirs = mounts;
	hard.disable_cmdl_args = 1;
	if (!(x = js_parse((const char *)data, size)))
		return 0;
	for (k = 0; k < 2; k++) {
		errs = json_array();
		r = validate(x, k ? &hard : &plain, errs);
		if (r < 0 || (r > 0) != (json_array_size(errs) > 0))
			abort();
		for (i = 0; i < json_array_size(errs); i++)
			if (!json_is_string(json_array_get(errs, i)))
				abort();
		json_decref(errs);
	}
	json_decref(x);
	return 0;
}

#endif
