/* TEMPORARY stubs until the helper branches are merged */
#include "httpd.h"
#include "itoken.h"
int itoken_verify(const char *secret, const char *token, struct itoken *out) { (void)secret; (void)token; (void)out; return -1; }
int itoken_live(const struct itoken *t);
int itoken_live(const struct itoken *t) { (void)t; return 0; }
void h_dashboard(struct reply *out);
void h_dashboard(struct reply *out) { reply_ok(out, NULL); }
void h_messages(const struct req *r, struct reply *out);
void h_messages(const struct req *r, struct reply *out) { (void)r; reply_ok(out, NULL); }
void h_internal_instances(const struct req *r, const struct itoken *t, struct reply *out);
void h_internal_instances(const struct req *r, const struct itoken *t, struct reply *out) { (void)r; (void)t; reply_ok(out, NULL); }
