/* SPDX-License-Identifier: GPL-2.0-or-later */
/* exec.c: run a program by absolute path with an argv, no shell, capturing status and output. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

/* In the child: only async-signal-safe calls. An exec failure is reported through errfd. */
__attribute__((noreturn))
static void child(const char *path, const char *const *argv, const char *const *envp,
		  int outfd, int errfd)
{
	static const char *const empty[] = { NULL };
	int e, nullfd;

	setpgid(0, 0);
	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nullfd < 0 || dup2(nullfd, 0) < 0 || dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0)
		goto fail;
	execve(path, (char *const *)argv, (char *const *)(envp ? envp : empty));
fail:
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(127);
}

/* Read the child's output until EOF or the deadline; keep only what fits. */
static int collect(int fd, long long deadline, char *out, size_t outlen)
{
	size_t len = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = deadline - (long long)ng_now_ms();
		char buf[4096];
		ssize_t n;
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (outlen > 0 && len < outlen - 1) {
			size_t k = (size_t)n < outlen - 1 - len ? (size_t)n : outlen - 1 - len;

			memcpy(out + len, buf, k);
			len += k;
			out[len] = '\0';
		}
	}
	return 0;
}

static int reap(pid_t pid, int *status)
{
	int ws;

	while (waitpid(pid, &ws, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	return 0;
}

int ng_exec(const char *path, const char *const *argv, const char *const *envp,
	    unsigned timeout_ms, char *out, size_t outlen, int *status, struct ng_err *err)
{
	int outp[2], errp[2], e = 0, r, ignored;
	pid_t pid;
	ssize_t n;

	if (outlen > 0)
		out[0] = '\0';
	*status = -1;
	if (!path || path[0] != '/' || !argv || !argv[0])
		return ng_err_set(err, -EINVAL, NULL, 0, "program path must be absolute: %s",
				  path ? path : "(none)");
	if (pipe2(outp, O_CLOEXEC) < 0) {
		e = errno;
		return ng_err_set(err, -e, NULL, 0, "pipe: %s", strerror(e));
	}
	if (pipe2(errp, O_CLOEXEC) < 0) {
		e = errno;
		close(outp[0]);
		close(outp[1]);
		return ng_err_set(err, -e, NULL, 0, "pipe: %s", strerror(e));
	}
	pid = fork();
	if (pid == 0)
		child(path, argv, envp, outp[1], errp[1]);
	if (pid < 0)
		e = errno;
	close(outp[1]);
	close(errp[1]);
	if (pid < 0) {
		close(outp[0]);
		close(errp[0]);
		return ng_err_set(err, -e, NULL, 0, "fork: %s", strerror(e));
	}
	r = collect(outp[0], (long long)ng_now_ms() + timeout_ms, out, outlen);
	close(outp[0]);
	if (r == -ETIMEDOUT) {
		/* The child leads its own process group: take its children along. */
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	/* EOF on the close-on-exec pipe means execve succeeded. */
	do {
		n = read(errp[0], &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(errp[0]);
	if (reap(pid, r == -ETIMEDOUT ? &ignored : status) < 0 && r == 0)
		r = -ECHILD;
	if (n == (ssize_t)sizeof(e))
		return ng_err_set(err, -e, NULL, 0, "%s: %s", path, strerror(e));
	if (r == -ETIMEDOUT)
		return ng_err_set(err, r, NULL, 0, "%s: killed after %u ms", path, timeout_ms);
	if (r < 0)
		return ng_err_set(err, r, NULL, 0, "%s: %s", path, strerror(-r));
	return 0;
}
