/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vzdump.c: nicguard's vzdump hook in /etc/vzdump.conf: enable, disable, the chained hook. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

/* Where enable-hook keeps the original vzdump.conf, byte for byte. Its `script:` line, if
 * any, is the admin's hook that nicguard's hook calls on. No copy: there was no file. */
#define ORIG_PATH "/etc/nicguard/vzdump.conf.orig"

/* Perl's \s, which PVE's config parser trims and skips. */
static bool pspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* A `script:` line of vzdump.conf as PVE::VZDump read_vzdump_defaults reads it, through
 * PVE::JSONSchema::parse_config: the line trimmed (`^\s*(.+?)\s*$`), '#' lines skipped,
 * `^(\S+?):\s*(.*)$` giving key and value; so "  script:\t/x  " counts. Its value's start
 * and end within [p, eol). */
static bool script_line(const char *p, const char *eol, const char **v, const char **ve)
{
	size_t n;

	while (p < eol && pspace(*p))
		p++;
	n = (size_t)(eol - p);
	while (n > 0 && pspace(p[n - 1]))
		n--;
	if (n < 7 || memcmp(p, "script:", 7) != 0)
		return false;
	eol = p + n;
	p += 7;
	while (p < eol && pspace(*p))
		p++;
	*v = p;
	*ve = eol;
	return true;
}

/* The line starting at p: its end (before '\n') and the start of the next. */
static const char *line_end(const char *p, const char *end, const char **next)
{
	const char *eol = memchr(p, '\n', (size_t)(end - p));

	*next = eol ? eol + 1 : end;
	return eol ? eol : end;
}

int ng_vzdump_conf_script(const char *buf, size_t len, char *script, size_t scriptlen)
{
	const char *p = buf, *end = buf + len, *next, *v, *ve;

	script[0] = '\0';
	for (; p < end; p = next) {
		const char *eol = line_end(p, end, &next);

		/* A later line wins, as it does in PVE's hash of options. */
		if (script_line(p, eol, &v, &ve)) {
			if ((size_t)(ve - v) >= scriptlen)
				return -ENAMETOOLONG;
			memcpy(script, v, (size_t)(ve - v));
			script[ve - v] = '\0';
		}
	}
	return 0;
}

/* Copy buf to f, replacing each `script:` line whose value is match (any value when match
 * is NULL) with `script: VALUE`, or dropping it when value is NULL. Returns how many. */
static unsigned rewrite(const char *buf, size_t len, const char *match, const char *value,
			FILE *f)
{
	const char *p = buf, *end = buf + len, *next, *v, *ve;
	unsigned found = 0;

	for (; p < end; p = next) {
		const char *eol = line_end(p, end, &next);
		bool hit = script_line(p, eol, &v, &ve);

		if (hit && match)
			hit = (size_t)(ve - v) == strlen(match) && !memcmp(v, match, strlen(match));
		if (!hit) {
			fwrite(p, 1, (size_t)(next - p), f);
			continue;
		}
		found++;
		/* Keep the line's own ending (a last line may have none). */
		if (value)
			fprintf(f, "script: %s%.*s", value, (int)(next - eol), eol);
	}
	return found;
}

/* Close the memory stream f; its text goes to *out unless writing failed. */
static int finish(FILE *f, char **out)
{
	bool bad = ferror(f);

	if (fclose(f) != 0 || bad) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

int ng_vzdump_conf_enable(const char *buf, size_t len, const char *hook, char **out,
			  size_t *outlen)
{
	FILE *f = open_memstream(out, outlen);

	if (!f)
		return -ENOMEM;
	if (!rewrite(buf, len, NULL, hook, f))
		fprintf(f, "%sscript: %s\n", len > 0 && buf[len - 1] != '\n' ? "\n" : "", hook);
	return finish(f, out);
}

int ng_vzdump_conf_disable(const char *buf, size_t len, const char *hook, const char *chain,
			   char **out, size_t *outlen)
{
	FILE *f = open_memstream(out, outlen);
	unsigned found;

	if (!f)
		return -ENOMEM;
	found = rewrite(buf, len, hook, chain && chain[0] ? chain : NULL, f);
	if (finish(f, out) < 0)
		return -ENOMEM;
	if (!found) {
		free(*out);
		*out = NULL;
		return -ENOENT;
	}
	return 0;
}

/* ------------------------------------------------------------ file level */

/* A file's bytes and mode; exists false (and no error) when it is missing. */
struct file {
	char *buf;
	size_t len;
	mode_t mode;
	bool exists;
};

static int file_read(const char *path, struct file *f, struct ng_err *err)
{
	struct stat st;
	int r;

	memset(f, 0, sizeof(*f));
	r = ng_read_file(path, true, 1u << 20, &f->buf, &f->len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return ng_err_set(err, r, path, 0, "cannot read: %s", strerror(-r));
	f->exists = true;
	/* The admin's mode is kept, but never group or world writable nor executable. */
	f->mode = lstat(path, &st) == 0 ? st.st_mode & 0644 : 0644;
	return 0;
}

static int hook_paths(const struct ng_ctx *ctx, char *conf, char *orig, size_t len,
		      struct ng_err *err)
{
	if (ng_path(ctx, conf, len, "/etc/vzdump.conf") < 0 ||
	    ng_path(ctx, orig, len, ORIG_PATH) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	return 0;
}

int ng_pve_hook_chain(const struct ng_ctx *ctx, char *chain, size_t len)
{
	char path[PATH_MAX];
	struct file f;
	int r;

	chain[0] = '\0';
	if (ng_path(ctx, path, sizeof(path), ORIG_PATH) < 0)
		return -ENAMETOOLONG;
	r = file_read(path, &f, NULL);
	if (r == 0 && f.exists)
		r = ng_vzdump_conf_script(f.buf, f.len, chain, len);
	free(f.buf);
	return r;
}

int ng_pve_hook_enable(const struct ng_ctx *ctx, const char *hook, bool dry_run,
		       struct ng_pve_hook_change *out, struct ng_err *err)
{
	char conf[PATH_MAX], orig[PATH_MAX], dir[PATH_MAX];
	struct file f = { 0 };
	char *text = NULL;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	r = hook_paths(ctx, conf, orig, sizeof(conf), err);
	if (r == 0)
		r = file_read(conf, &f, err);
	if (r < 0)
		return r;
	r = ng_vzdump_conf_script(f.buf ? f.buf : "", f.len, out->chain, sizeof(out->chain));
	if (r < 0) {
		ng_err_set(err, r, conf, 0, "script: value too long");
		goto out;
	}
	if (strcmp(out->chain, hook) == 0) {
		ng_pve_hook_chain(ctx, out->chain, sizeof(out->chain));
		snprintf(out->text, sizeof(out->text), "%.160s already calls %.160s", conf, hook);
		goto out;
	}
	r = ng_vzdump_conf_enable(f.buf ? f.buf : "", f.len, hook, &text, &len);
	if (r < 0) {
		ng_err_set(err, r, NULL, 0, "out of memory");
		goto out;
	}
	out->changed = true;
	snprintf(out->text, sizeof(out->text), "%s %.160s: script: %.160s%s%.160s", dry_run ?
		 "would change" : "changed", conf, hook, out->chain[0] ? ", chaining " : "",
		 out->chain);
	if (dry_run)
		goto out;
	snprintf(dir, sizeof(dir), "%s", orig);
	*strrchr(dir, '/') = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		r = ng_err_set(err, -errno, dir, 0, "cannot create: %s", strerror(errno));
		goto out;
	}
	/* The copy first: vzdump.conf is changed only once the way back is safe on disk. */
	if (f.exists)
		r = ng_atomic_write(orig, f.buf, f.len, f.mode, err);
	else if (unlink(orig) < 0 && errno != ENOENT)
		r = ng_err_set(err, -errno, orig, 0, "cannot remove: %s", strerror(errno));
	if (r == 0)
		r = ng_atomic_write(conf, text, len, f.exists ? f.mode : 0644, err);
out:
	free(text);
	free(f.buf);
	return r;
}

int ng_pve_hook_disable(const struct ng_ctx *ctx, const char *hook, bool dry_run,
			struct ng_pve_hook_change *out, struct ng_err *err)
{
	char conf[PATH_MAX], orig[PATH_MAX], cur_script[PATH_MAX];
	struct file f = { 0 }, o = { 0 };
	char *want = NULL, *text = NULL;
	size_t wlen, len;
	bool exact;
	int r;

	memset(out, 0, sizeof(*out));
	r = hook_paths(ctx, conf, orig, sizeof(conf), err);
	if (r == 0)
		r = file_read(conf, &f, err);
	if (r < 0)
		return r;
	if (ng_vzdump_conf_script(f.buf ? f.buf : "", f.len, cur_script, sizeof(cur_script)) < 0 ||
	    strcmp(cur_script, hook) != 0) {
		snprintf(out->text, sizeof(out->text), "%.160s does not call %.160s", conf, hook);
		goto out;
	}
	r = file_read(orig, &o, err);
	if (r < 0)
		goto out;
	if (o.exists)
		ng_vzdump_conf_script(o.buf, o.len, out->chain, sizeof(out->chain));
	r = ng_vzdump_conf_enable(o.buf ? o.buf : "", o.len, hook, &want, &wlen);
	if (r < 0) {
		ng_err_set(err, r, NULL, 0, "out of memory");
		goto out;
	}
	/* Unchanged since enable-hook: the original comes back whole (or goes, if none). */
	exact = f.buf && wlen == f.len && memcmp(want, f.buf, wlen) == 0;
	out->changed = true;
	snprintf(out->text, sizeof(out->text), "%s %.160s %s",
		 dry_run ? "would restore" : "restored", conf,
		 !exact ? "(the script line only: the file was edited since)" :
		 o.exists ? "(the original, byte for byte)" : "(removed: there was none before)");
	if (dry_run)
		goto out;
	if (exact && o.exists) {
		r = ng_atomic_write(conf, o.buf, o.len, o.mode, err);
	} else if (exact) {
		if (unlink(conf) < 0)
			r = ng_err_set(err, -errno, conf, 0, "cannot remove: %s", strerror(errno));
	} else {
		r = ng_vzdump_conf_disable(f.buf, f.len, hook, out->chain, &text, &len);
		if (r == 0)
			r = ng_atomic_write(conf, text, len, f.mode, err);
		else
			ng_err_set(err, r, conf, 0, "cannot undo the script line");
	}
	if (r == 0 && o.exists && unlink(orig) < 0)
		r = ng_err_set(err, -errno, orig, 0, "cannot remove: %s", strerror(errno));
out:
	free(text);
	free(want);
	free(o.buf);
	free(f.buf);
	return r;
}

/* ---------------------------------------------------------------- chaining */

int ng_pve_run_chained(const char *path, char *const argv[], char *const envp[], int *status,
		       struct ng_err *err)
{
	int pfd[2], e = 0, ws;
	ssize_t n;
	pid_t pid;

	*status = -1;
	if (path[0] != '/')
		return ng_err_set(err, -EINVAL, NULL, 0, "chained hook must be absolute: %s", path);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return ng_err_set(err, -errno, NULL, 0, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execve(path, argv, envp);
		e = errno;
		if (write(pfd[1], &e, sizeof(e)) < 0)
			_exit(126);
		_exit(127);
	}
	if (pid < 0)
		e = errno;
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return ng_err_set(err, -e, NULL, 0, "fork: %s", strerror(e));
	}
	do {
		n = read(pfd[0], &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(pfd[0]);
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return ng_err_set(err, -errno, NULL, 0, "waitpid: %s", strerror(errno));
	if (n == (ssize_t)sizeof(e))
		return ng_err_set(err, -e, NULL, 0, "cannot run %s: %s", path, strerror(e));
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	return 0;
}

int ng_pve_root_from_exe(const char *exe, const char *install_path, char *root, size_t len)
{
	size_t el = strlen(exe), il = strlen(install_path);
	int n;

	if (el > il && strcmp(exe + el - il, install_path) == 0)
		n = snprintf(root, len, "%.*s", (int)(el - il), exe);
	else
		n = snprintf(root, len, "/");
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
