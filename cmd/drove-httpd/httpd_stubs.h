/* TEMPORARY declarations until the helper branches are merged */
void h_dashboard(struct reply *out);
void h_messages(const struct req *r, struct reply *out);
