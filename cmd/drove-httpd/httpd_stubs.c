/* TEMPORARY stubs until the helper branches are merged */
#include "httpd.h"
#include "itoken.h"
void h_dashboard(struct reply *out);
void h_dashboard(struct reply *out) { reply_ok(out, NULL); }
void h_messages(const struct req *r, struct reply *out);
void h_messages(const struct req *r, struct reply *out) { (void)r; reply_ok(out, NULL); }
