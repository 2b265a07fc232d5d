/* t_err: the one thread-local text of a failure (lib/err). */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "err.h"
#include "tap.h"

static void *
other_thread(void *arg)
{
	char *seen = arg;

	strcpy(seen, err_text());
	err_fail(EIO, "failed in the other thread");
	return NULL;
}

int
main(void)
{
	char seen[64] = "unset", big[ERR_TEXT_MAX + 100];
	pthread_t th;

	is_str(err_text(), "", "no failure yet: empty text");

	errno = 0;
	is_int(err_fail(ENOENT, "no node '%s'", "/a"), -1, "err_fail returns -1");
	is_int(errno, ENOENT, "err_fail sets errno");
	is_str(err_text(), "no node '/a'", "err_fail sets the text");

	errno = EPERM;
	err_set("only %d text", 1);
	is_int(errno, EPERM, "err_set keeps errno");
	is_str(err_text(), "only 1 text", "err_set sets the text");

	err_fail(EINVAL, "unable to read '%s': %s", "/b", err_text());
	is_str(err_text(), "unable to read '/b': only 1 text",
	    "the text may be an argument of the next one");

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	err_set("%s", big);
	is_int(strlen(err_text()), ERR_TEXT_MAX - 1, "a long text is cut");

	err_set("main thread");
	if (pthread_create(&th, NULL, other_thread, seen) == 0)
		pthread_join(th, NULL);
	is_str(seen, "", "another thread starts with an empty text");
	is_str(err_text(), "main thread",
	    "another thread's failure leaves this thread's text");
	return done_testing();
}
