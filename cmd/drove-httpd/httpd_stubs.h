/* TEMPORARY declarations until the helper branches are merged */
struct itoken;
int itoken_live(const struct itoken *t);
void h_dashboard(struct reply *out);
void h_messages(const struct req *r, struct reply *out);
void h_internal_instances(const struct req *r, const struct itoken *t, struct reply *out);
