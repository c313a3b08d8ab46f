/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmsgsrc.c: kernel log records as they come: from /dev/kmsg, or a FIFO or file of them. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

typedef void event_fn(void *data, const struct ng_kmsgsrc_event *ev);

struct ng_kmsgsrc {
	int fd;
	bool chardev;
	bool discarding;	/* dropping the rest of an oversized record */
	char disc_prev;
	size_t blen;
	uint64_t last_seq;
	bool have_seq;
	uint64_t gap_ok;	/* records we skipped ourselves: not lost */
	struct ng_watch_counters cnt;
	/* The buffers last: open() clears what comes before rec only. */
	struct ng_kmsg rec;
	char buf[2 * NG_KMSG_READ_MAX];
};

int ng_kmsgsrc_open(const char *path, struct ng_kmsgsrc **out, struct ng_err *err)
{
	/* Not calloc: the buffers stay untouched (not resident) until records fill them. */
	struct ng_kmsgsrc *s = malloc(sizeof(*s));
	struct stat st;
	int r;

	*out = NULL;
	if (!s)
		return ng_err_set(err, -ENOMEM, NULL, 0, "%s", strerror(ENOMEM));
	memset(s, 0, offsetof(struct ng_kmsgsrc, rec));
	s->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (s->fd >= 0 && fstat(s->fd, &st) < 0) {
		r = errno;
		close(s->fd);
		s->fd = -1;
		errno = r;
	}
	if (s->fd >= 0 && S_ISFIFO(st.st_mode)) {
		/* Held open for writing too, so writers coming and going never give EOF. */
		close(s->fd);
		s->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	}
	if (s->fd < 0) {
		r = -errno;
		free(s);
		return ng_err_set(err, r, NULL, 0, "cannot open %s: %s", path, strerror(-r));
	}
	s->chardev = S_ISCHR(st.st_mode);
	*out = s;
	return 0;
}

void ng_kmsgsrc_free(struct ng_kmsgsrc *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

int ng_kmsgsrc_seek(struct ng_kmsgsrc *s, bool from_start, struct ng_err *err)
{
	int r;

	if (!s->chardev || lseek(s->fd, 0, from_start ? SEEK_SET : SEEK_END) >= 0)
		return 0;
	r = -errno;
	return ng_err_set(err, r, NULL, 0, "%s", strerror(-r));
}

int ng_kmsgsrc_fd(const struct ng_kmsgsrc *s)
{
	return s->fd;
}

const struct ng_watch_counters *ng_kmsgsrc_counters(const struct ng_kmsgsrc *s)
{
	return &s->cnt;
}

/* Parse one record and hand it on with the records lost before it. */
static void record(struct ng_kmsgsrc *s, const char *buf, size_t len, event_fn *fn,
		   void *data)
{
	struct ng_kmsgsrc_event ev = { .what = NG_KMSGSRC_RECORD, .rec = &s->rec };

	s->cnt.records++;
	if (ng_kmsg_parse(buf, len, &s->rec) < 0) {
		s->cnt.skipped++;
		return;
	}
	/* A gap in the sequence numbers: records overwritten before we read them. */
	if (s->have_seq && s->rec.seq > s->last_seq + 1 + s->gap_ok) {
		ev.lost = s->rec.seq - s->last_seq - 1 - s->gap_ok;
		s->cnt.lost += ev.lost;
	}
	s->gap_ok = 0;
	s->have_seq = true;
	s->last_seq = s->rec.seq;
	fn(data, &ev);
}

/* /dev/kmsg: one record per read. */
static int read_chardev(struct ng_kmsgsrc *s, event_fn *fn, void *data, struct ng_err *err)
{
	struct ng_kmsgsrc_event ev = { 0 };
	ssize_t n = read(s->fd, s->buf, NG_KMSG_READ_MAX);
	int r;

	if (n > 0) {
		record(s, s->buf, (size_t)n, fn, data);
		return 1;
	}
	if (n < 0 && errno == EPIPE) {
		/* Overwritten records: the next read returns the oldest one left; the
		 * sequence gap counts them. */
		ev.what = NG_KMSGSRC_OVERRUN;
		fn(data, &ev);
		return 1;
	}
	if (n < 0 && errno == EINVAL) {
		/* Larger than our buffer: the kernel skips it. */
		s->cnt.skipped++;
		s->gap_ok++;
		ev.what = NG_KMSGSRC_TOO_BIG;
		ev.size = NG_KMSG_READ_MAX;
		fn(data, &ev);
		return 1;
	}
	if (n < 0 && errno == EINTR)
		return 1;
	if (n < 0 && errno == EAGAIN)
		return 0;
	r = n < 0 ? -errno : -EIO;
	return ng_err_set(err, r, NULL, 0, "%s", n < 0 ? strerror(-r) : "end of file");
}

/* Hand the whole records in the buffer on; `whole`: the buffer's end ends a record. */
static void split_stream(struct ng_kmsgsrc *s, bool whole, event_fn *fn, void *data)
{
	size_t off = 0, rl;

	/* Dropping an oversized record: up to the first line after it that does not start
	 * with a space (its dictionary lines go with it). */
	while (s->discarding && off < s->blen) {
		char ch = s->buf[off];

		if (s->disc_prev == '\n' && ch != ' ')
			s->discarding = false;
		else
			off++;
		s->disc_prev = ch;
	}
	while ((rl = ng_kmsg_split(s->buf + off, s->blen - off, whole)) > 0) {
		record(s, s->buf + off, rl, fn, data);
		off += rl;
	}
	memmove(s->buf, s->buf + off, s->blen - off);
	s->blen -= off;
	if (s->blen == sizeof(s->buf)) {
		/* One record larger than any the kernel makes: drop it up to its end. */
		struct ng_kmsgsrc_event ev = { .what = NG_KMSGSRC_TOO_BIG, .size = sizeof(s->buf) };

		s->cnt.skipped++;
		fn(data, &ev);
		s->blen = 0;
		s->discarding = true;
		s->disc_prev = '\0';
		s->gap_ok++;
	}
}

/* A FIFO or file of records as /dev/kmsg prints them: a byte stream to split. A record's
 * dictionary lines may come in the next read, so the last record waits: until the file
 * ends, or until a FIFO has nothing more to read (its writers write whole records, as
 * /dev/kmsg hands them out; writes of up to PIPE_BUF bytes arrive whole). */
static int read_stream(struct ng_kmsgsrc *s, event_fn *fn, void *data, struct ng_err *err)
{
	ssize_t n = read(s->fd, s->buf + s->blen, sizeof(s->buf) - s->blen);
	int r;

	if (n < 0 && errno == EAGAIN) {
		split_stream(s, true, fn, data);
		return 0;
	}
	if (n < 0 && errno == EINTR)
		return 1;
	if (n < 0) {
		r = -errno;
		return ng_err_set(err, r, NULL, 0, "%s", strerror(-r));
	}
	if (n == 0) {
		split_stream(s, true, fn, data);
		return -ENODATA;
	}
	s->blen += (size_t)n;
	split_stream(s, false, fn, data);
	return 1;
}

int ng_kmsgsrc_read(struct ng_kmsgsrc *s, void (*fn)(void *data, const struct ng_kmsgsrc_event *ev),
		    void *data, struct ng_err *err)
{
	return s->chardev ? read_chardev(s, fn, data, err) : read_stream(s, fn, data, err);
}
