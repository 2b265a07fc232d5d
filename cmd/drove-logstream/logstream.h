/*
 * logstream.h: what drove-logstream's main.c (the log file endpoints)
 * and metrics.c (GET /metrics) share.
 *
 * GET /metrics answers Prometheus' text format from a copy made by a
 * collector thread every LSM_INTERVAL_MS: the host's figures (/proc), the
 * executor's capacity (hwloc and the YAML's resources block, as
 * drove-execd computes it) and, per container this executor runs (label
 * drove.executor.id), its resource use from the engine's stats.  A scrape
 * never waits for the engine.  man/drove-logstream.8 lists every series.
 *
 * lsm_start(): computes the executor's identity and capacity from cfg,
 * makes the first copy (host figures only) and starts the thread (call it
 * before MHD starts its threads, if any); 0, or -1 with err_text().
 * lsm_response(): a response holding the latest copy (main thread; NULL
 * out of memory).  lsm_stop(): ends the thread (waits for its engine call
 * in flight, bounded by the engine's timeout).
 */
#ifndef DROVE_LOGSTREAM_H
#define DROVE_LOGSTREAM_H

#include <microhttpd.h>

#include "json.h"

#define LSM_INTERVAL_MS 5000

int lsm_start(const json_t *cfg);
struct MHD_Response *lsm_response(void);
void lsm_stop(void);

#endif
