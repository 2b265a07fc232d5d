/*
 * spec: validation of Drove's ApplicationSpec and ApplicationOperation
 * documents, as the controller does before accepting them (drove.md §1,
 * §5).  Every problem found is appended to errs (a JSON array of strings,
 * borrowed) so a client sees all of them at once; messages are Drove's
 * where Drove has one ("Cpu requirements are mandatory"), field-level ones
 * start with "- " as bean-validation messages do.
 *
 * Enum values are accepted in any case (Drove's ACCEPT_CASE_INSENSITIVE_
 * ENUMS) and rewritten in place to their canonical upper-case spelling;
 * nothing else in the document is changed (no defaults are filled).
 *
 *   struct spec_opts o = SPEC_OPTS_ZERO;
 *   spec_opts_from_cfg(cfg, &o);            controller options.*
 *   json_t *errs = json_array();
 *   if (spec_validate(spec, &o, errs) > 0) ... errs ...
 *
 * spec_validate(), spec_validate_op() and spec_validate_opspec() return
 * the number of errors they appended (0: valid), or -1 with errno=ENOMEM.
 * spec_validate_op() checks an operation by its "type" (CREATE, SCALE,
 * START_INSTANCES, STOP_INSTANCES, REPLACE_INSTANCES, SUSPEND, DESTROY,
 * RECOVER) including the CREATE spec and the optional opSpec.
 * spec_masked() returns a new deep copy of spec with @Mask'ed fields
 * hidden: INLINE config data "" and HTTP fetch credentials "***".
 */
#ifndef DROVE_SPEC_H
#define DROVE_SPEC_H

#include "json.h"

#define SPEC_MAX_INSTANCES 2048
#define SPEC_MAX_START_INSTANCES 1024
#define SPEC_MAX_PER_HOST 256		/* a local service's instancesPerHost */
#define SPEC_MAX_ARGS_LEN 2048

struct spec_opts {
	const json_t *allowed_mount_dirs; /* strings, borrowed */
	int disable_cmdl_args;
	int enable_raw_device_access;
};
#define SPEC_OPTS_ZERO { NULL, 0, 0 }

/* Reads options.allowedMountDirs, options.disableCmdlArgs and
 * options.enableRawDeviceAccess (borrowing from cfg). */
void spec_opts_from_cfg(const json_t *cfg, struct spec_opts *o);

int spec_validate(json_t *spec, const struct spec_opts *o, json_t *errs);
/* A TaskSpec (drove.md §2.1): sourceAppName and taskId, then the fields a
 * task shares with an app, checked as in an app; LOCAL placement is
 * refused.  Fields a task does not have are ignored, as unknown fields
 * are.  Returns as spec_validate(). */
int spec_validate_task(json_t *spec, const struct spec_opts *o,
    json_t *errs);
int spec_validate_op(json_t *op, const struct spec_opts *o, json_t *errs);
int spec_validate_opspec(json_t *opspec, json_t *errs);
/* A LocalServiceSpec (drove.md §2.2): the app's rules minus exposureSpec,
 * placementPolicy only {"type":"LOCAL","hostLevel":bool}; returns as
 * spec_validate(). */
int spec_validate_local_service(json_t *spec, const struct spec_opts *o,
    json_t *errs);
/*
 * The task and local-service operation bodies, as spec_validate_op() does
 * for applications: spec_validate_task_op() a TaskOperation (CREATE with
 * its TaskSpec, KILL with sourceAppName and taskId);
 * spec_validate_ls_op() a LocalServiceOperation by its API type (STOP is
 * DEACTIVATE): serviceId (CREATE: the spec), instancesPerHost (CREATE,
 * UPDATE_INSTANCE_COUNT), instanceIds (non-empty for STOP_INSTANCES),
 * stopFirst, and the opSpec (RESTART: clusterOpSpec).  Return as
 * spec_validate().
 */
int spec_validate_task_op(json_t *op, const struct spec_opts *o,
    json_t *errs);
int spec_validate_ls_op(json_t *op, const struct spec_opts *o,
    json_t *errs);
json_t *spec_masked(const json_t *spec);

#endif
