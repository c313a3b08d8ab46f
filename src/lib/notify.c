/* SPDX-License-Identifier: GPL-2.0-or-later */
/* notify.c: sd_notify without libsystemd: one datagram to the service manager's socket. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

int ng_notify_send(const char *addr, const char *msg, struct ng_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = addr ? strlen(addr) : 0;
	int fd, r = 0;

	if (!n)
		return 0;
	if (n > sizeof(sa.sun_path))
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "sd_notify to %s: %s", addr,
				  strerror(ENAMETOOLONG));
	memcpy(sa.sun_path, addr, n);
	/* '@' names a socket in the abstract namespace: its address starts with a NUL. */
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		return ng_err_set(err, r, NULL, 0, "sd_notify to %s: socket: %s", addr,
				  strerror(-r));
	}
	/* The length counts the address bytes only: an abstract name has no trailing NUL. */
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0) {
		r = -errno;
		ng_err_set(err, r, NULL, 0, "sd_notify to %s: %s", addr, strerror(-r));
	}
	close(fd);
	return r;
}
