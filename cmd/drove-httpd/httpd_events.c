/*
 * httpd_events.c: GET /apis/v1/cluster/events, /events/latest,
 * /events/summary (Drove's polling reads) and /events/stream (a push
 * stream of the same events), all from the view's events.
 */
#include "httpd.h"

void
h_events(const struct req *r, struct reply *out)
{
	(void)r;
	reply_500(out, "events are not served yet");
}

void
h_events_latest(const struct req *r, struct reply *out)
{
	(void)r;
	reply_500(out, "events are not served yet");
}

void
h_events_summary(const struct req *r, struct reply *out)
{
	(void)r;
	reply_500(out, "events are not served yet");
}

void
h_events_stream(const struct req *r, struct reply *out)
{
	(void)r;
	reply_500(out, "events are not served yet");
}
