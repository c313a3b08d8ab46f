/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmdline.c: kernel parameters from the policy into the boot configuration, and back out. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

/* Where the boot loaders read the command line (facts in nicguard(8), CMDLINE):
 * - GRUB: grub-mkconfig sources /etc/default/grub, then /etc/default/grub.d/\*.cfg in glob
 *   order; 10_linux puts GRUB_CMDLINE_LINUX on every entry (recovery ones included), so the
 *   drop-in appends there. update-grub renders /boot/grub/grub.cfg.
 * - proxmox-boot-tool (/etc/kernel/proxmox-boot-uuids lists the ESPs it keeps): systemd-boot
 *   entries get the first line of /etc/kernel/cmdline as their options; ESPs with GRUB (and
 *   every legacy-BIOS boot) run update-grub with the same /etc/default/grub. `proxmox-boot-
 *   tool refresh` copies either to the ESPs. /etc/kernel/cmdline is the admin's file: it gets
 *   the missing words appended to its first line, and its bytes are kept to put back. */
#define GRUB_DEFAULT "/etc/default/grub"
#define GRUB_CFG "/boot/grub/grub.cfg"
#define PBT_UUIDS "/etc/kernel/proxmox-boot-uuids"
#define STATE_DIR "/var/lib/nicguard"
#define DROPIN_VAR "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX "
#define FILE_MAX (1u << 20)

/* ------------------------------------------------------------ word lists */

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Is word one of the blank-separated words of s[0..len)? */
static bool has_word(const char *s, size_t len, const char *word)
{
	size_t wl = strlen(word);

	for (size_t i = 0; i < len;) {
		size_t e;

		while (i < len && blank(s[i]))
			i++;
		for (e = i; e < len && !blank(s[e]); e++)
			;
		if (e - i == wl && wl && memcmp(s + i, word, wl) == 0)
			return true;
		i = e;
	}
	return false;
}

static size_t first_line_len(const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len);

	return nl ? (size_t)(nl - buf) : len;
}

bool ng_cmdline_has(const char *buf, size_t len, const char *word)
{
	return has_word(buf, first_line_len(buf, len), word);
}

/* Append word to a space-separated list in buf (when not there yet). */
static void list_add(char *buf, size_t size, const char *word)
{
	size_t o = strlen(buf);

	if (!has_word(buf, o, word))
		snprintf(buf + o, size - o, "%s%s", o ? " " : "", word);
}

int ng_cmdline_edit(const char *buf, size_t len, const char *add, const char *del, char **out,
		    size_t *outlen)
{
	size_t line = first_line_len(buf, len), o = 0, cap = len + strlen(add) * 2 + 2;
	char *r = calloc(1, cap + 1), *w, *save;
	char words[NG_TEXT_MAX];

	if (!r)
		return -ENOMEM;
	/* Copy the first line without the words of del: each goes with the blanks before it
	 * (or after it, at the start of the line), so the rest keeps its spacing. */
	for (size_t i = 0; i < line;) {
		size_t s = i, e;

		while (s < line && blank(buf[s]))
			s++;
		for (e = s; e < line && !blank(buf[e]); e++)
			;
		if (e > s) {
			char word[NG_TEXT_MAX];

			snprintf(word, sizeof(word), "%.*s", (int)(e - s), buf + s);
			if (e - s < sizeof(word) && has_word(del, strlen(del), word)) {
				if (o == 0)
					while (e < line && blank(buf[e]))
						e++;
				i = e;
				continue;
			}
		}
		memcpy(r + o, buf + i, e - i);
		o += e - i;
		i = e;
	}
	snprintf(words, sizeof(words), "%s", add);
	for (w = strtok_r(words, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		size_t wl = strlen(w);

		if (has_word(r, o, w) || has_word(del, strlen(del), w))
			continue;
		if (o && !blank(r[o - 1]))
			r[o++] = ' ';
		memcpy(r + o, w, wl);
		o += wl;
	}
	memcpy(r + o, buf + line, len - line);
	o += len - line;
	r[o] = '\0';
	*out = r;
	*outlen = o;
	return 0;
}

/* The words of the drop-in's assignment, when text is nicguard's drop-in. */
static void dropin_words(const char *text, char *out, size_t size)
{
	const char *p;

	out[0] = '\0';
	if (strncmp(text, NG_MARKER, strlen(NG_MARKER)) != 0)
		return;
	for (p = text; (p = strstr(p, DROPIN_VAR)); p++) {
		if (p != text && p[-1] != '\n')
			continue;
		p += strlen(DROPIN_VAR);
		snprintf(out, size, "%.*s", (int)strcspn(p, "\"\n"), p);
		return;
	}
}

/* The value of KEY="..." (or '...', or bare) assignments in a shell-style file, the last
 * one; *line its line number. Enough for /etc/default/grub as admins write it. */
static void shell_value(const char *text, const char *key, char *out, size_t size,
			unsigned *lineno)
{
	size_t kl = strlen(key);
	unsigned n = 0;

	out[0] = '\0';
	for (const char *p = text; *p; ) {
		const char *eol = strchr(p, '\n'), *v = p;
		size_t ll = eol ? (size_t)(eol - p) : strlen(p);

		n++;
		while (v < p + ll && blank(*v))
			v++;
		if (ll - (size_t)(v - p) > kl && strncmp(v, key, kl) == 0 && v[kl] == '=') {
			size_t vl;

			v += kl + 1;
			vl = (size_t)(p + ll - v);
			if (*v == '"' || *v == '\'') {
				const char *q = memchr(v + 1, *v, vl - 1);

				vl = q ? (size_t)(q - v - 1) : vl - 1;
				v++;
			} else {
				vl = strcspn(v, " \t#\n");
			}
			snprintf(out, size, "%.*s", (int)vl, v);
			*lineno = n;
		}
		p += ll + (eol != NULL);
	}
}

/* ------------------------------------------------------------- the places */

static int read_rooted(const struct ng_ctx *ctx, const char *file, char **buf, size_t *len)
{
	char path[4096];

	*buf = NULL;
	*len = 0;
	if (ng_path(ctx, path, sizeof(path), "%s", file) < 0)
		return -ENAMETOOLONG;
	return ng_read_file(path, true, FILE_MAX, buf, len);
}

static bool exists(const struct ng_ctx *ctx, const char *file)
{
	char path[4096];

	return ng_path(ctx, path, sizeof(path), "%s", file) == 0 && access(path, F_OK) == 0;
}

static int wanted_add(struct ng_cmdline *c, const char *word, const struct ng_iface *ifc,
		      const struct ng_origin *origin)
{
	struct ng_cmdline_param *v;

	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].word, word) == 0) {
			list_add(c->v[i].ifnames, sizeof(c->v[i].ifnames), ifc->name);
			return 0;
		}
	v = realloc(c->v, (c->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->v = v;
	v += c->n++;
	memset(v, 0, sizeof(*v));
	snprintf(v->word, sizeof(v->word), "%s", word);
	snprintf(v->file, sizeof(v->file), "%s", origin->file ? origin->file : "");
	v->line = origin->line;
	snprintf(v->ifnames, sizeof(v->ifnames), "%s", ifc->name);
	return 0;
}

/* The parameters the policy asks for: kernel-cmdline of every interface it does not skip
 * (policy or stanza key), as the one resolution gives it. */
static int collect_wanted(const struct ng_ctx *ctx, const struct ng_policy *p,
			  struct ng_cmdline *c, struct ng_err *err)
{
	struct ng_resolver *rv = NULL;
	struct ng_iface *ifs = NULL;
	size_t n = 0;
	int r = ng_iface_list(ctx, &ifs, &n, err);

	if (r == 0)
		r = ng_resolver_new(ctx, p, &rv, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const struct ng_item *it;
		struct ng_target *t;
		char words[NG_TEXT_MAX], *tok, *save;

		r = ng_target_resolve(rv, &ifs[i], NULL, &t, err);
		if (r < 0)
			break;
		it = ng_wanted_find(ng_target_list(t, NG_SET_NORMAL), NG_CMDLINE,
				    "kernel-cmdline");
		if (it && it->text && !ng_target_skip(t)) {
			snprintf(words, sizeof(words), "%s", it->text);
			for (tok = strtok_r(words, " ", &save); tok && r == 0;
			     tok = strtok_r(NULL, " ", &save))
				r = wanted_add(c, tok, &ifs[i], &it->origin);
		}
		ng_target_free(t);
		if (r == -ENOMEM)
			ng_err_set(err, r, NULL, 0, "out of memory");
	}
	ng_resolver_free(rv);
	free(ifs);
	return r;
}

/* What nicguard added to /etc/kernel/cmdline: its known parameters that the kept original
 * lacks. *base gets the file without them: the original byte for byte when the file is
 * still what nicguard made of it. */
static int kernel_base(const char *cur, size_t curlen, const char *orig, size_t origlen,
		       char *added, size_t size, char **base, size_t *baselen)
{
	size_t line = first_line_len(cur, curlen);
	char *made;
	size_t madelen;
	int r;

	added[0] = '\0';
	for (size_t i = 0; orig && i < line;) {
		size_t e;
		char word[NG_TEXT_MAX];

		while (i < line && blank(cur[i]))
			i++;
		for (e = i; e < line && !blank(cur[e]); e++)
			;
		snprintf(word, sizeof(word), "%.*s", (int)(e - i), cur + i);
		if (e > i && ng_cmdline_param_known(word) &&
		    !ng_cmdline_has(orig, origlen, word))
			list_add(added, size, word);
		i = e;
	}
	if (orig) {
		r = ng_cmdline_edit(orig, origlen, added, "", &made, &madelen);
		if (r < 0)
			return r;
		if (madelen == curlen && memcmp(made, cur, curlen) == 0) {
			free(made);
			*base = calloc(1, origlen + 1);
			if (!*base)
				return -ENOMEM;
			memcpy(*base, orig, origlen);
			(*base)[origlen] = '\0';
			*baselen = origlen;
			return 0;
		}
		free(made);
	}
	return ng_cmdline_edit(cur, curlen, "", added, base, baselen);
}

static void fill_state(const struct ng_ctx *ctx, struct ng_cmdline *c)
{
	char *buf = NULL, *orig = NULL, *base = NULL, value[NG_TEXT_MAX];
	size_t len, origlen, baselen;
	unsigned line = 0;

	if (c->grub && read_rooted(ctx, NG_CMDLINE_DROPIN, &buf, &len) == 0)
		dropin_words(buf, c->dropin, sizeof(c->dropin));
	free(buf);
	buf = NULL;
	if (c->grub && read_rooted(ctx, GRUB_DEFAULT, &buf, &len) == 0) {
		/* A parameter the admin already gives GRUB needs no drop-in line. */
		for (size_t i = 0; i < 2; i++) {
			shell_value(buf, i ? "GRUB_CMDLINE_LINUX_DEFAULT" : "GRUB_CMDLINE_LINUX",
				    value, sizeof(value), &line);
			for (size_t k = 0; k < c->n; k++)
				if (has_word(value, strlen(value), c->v[k].word))
					c->v[k].grub_default_line = line;
		}
	}
	free(buf);
	buf = NULL;
	if (c->kernel && read_rooted(ctx, NG_CMDLINE_KERNEL, &buf, &len) == 0) {
		bool kept = read_rooted(ctx, NG_CMDLINE_ORIG, &orig, &origlen) == 0;

		if (kernel_base(buf, len, kept ? orig : NULL, origlen, c->kernel_added,
				sizeof(c->kernel_added), &base, &baselen) == 0)
			for (size_t k = 0; k < c->n; k++)
				c->v[k].kernel_admin = ng_cmdline_has(base, baselen, c->v[k].word);
		for (size_t k = 0; k < c->n; k++)
			c->v[k].kernel_written = ng_cmdline_has(buf, len, c->v[k].word);
	}
	free(buf);
	buf = NULL;
	free(orig);
	free(base);
	if (read_rooted(ctx, "/proc/cmdline", &buf, &len) == 0) {
		c->proc_read = true;
		for (size_t k = 0; k < c->n; k++)
			c->v[k].booted = ng_cmdline_has(buf, len, c->v[k].word);
	}
	free(buf);
	buf = NULL;
	if (!c->pbt && c->grub && read_rooted(ctx, GRUB_CFG, &buf, &len) == 0) {
		c->grub_cfg_read = true;
		for (size_t k = 0; k < c->n; k++)
			c->v[k].rendered = strstr(buf, c->v[k].word) != NULL;
	}
	free(buf);
	buf = NULL;
}

int ng_cmdline_plan(const struct ng_ctx *ctx, const struct ng_policy *p, struct ng_cmdline *c,
		    struct ng_err *err)
{
	int r;

	memset(c, 0, sizeof(*c));
	c->pbt = exists(ctx, PBT_UUIDS);
	c->grub = exists(ctx, GRUB_DEFAULT);
	c->efi = exists(ctx, "/sys/firmware/efi");
	/* systemd-boot needs EFI; a legacy-BIOS boot under proxmox-boot-tool is GRUB. */
	c->kernel = c->pbt && c->efi && exists(ctx, NG_CMDLINE_KERNEL);
	snprintf(c->refresh, sizeof(c->refresh), "%s",
		 c->pbt ? "proxmox-boot-tool refresh" : "update-grub");
	r = collect_wanted(ctx, p, c, err);
	if (r < 0) {
		ng_cmdline_free(c);
		return r;
	}
	fill_state(ctx, c);
	return 0;
}

void ng_cmdline_free(struct ng_cmdline *c)
{
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

bool ng_cmdline_param_configured(const struct ng_cmdline *c, const struct ng_cmdline_param *pm)
{
	bool grub = !c->grub || pm->grub_default_line ||
		    has_word(c->dropin, strlen(c->dropin), pm->word);

	return (c->grub || c->kernel) && grub && (!c->kernel || pm->kernel_written);
}

/* ---------------------------------------------------------- write, remove */

static int say(struct ng_diags *done, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int say(struct ng_diags *done, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ng_diags_add(done, NULL, 0, "%s", msg);
}

static int dropin_render(const struct ng_cmdline *c, const char *words, char **text)
{
	size_t len;
	FILE *f = open_memstream(text, &len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "%s\n# Kernel parameters against NIC hangs, from kernel-cmdline in the nicguard "
		"policy:\n", NG_MARKER);
	for (size_t k = 0; k < c->n; k++)
		if (has_word(words, strlen(words), c->v[k].word))
			fprintf(f, "#   %s  (%s:%u; %s)\n", c->v[k].word, c->v[k].file,
				c->v[k].line, c->v[k].ifnames);
	fprintf(f, "# grub-mkconfig sources this after /etc/default/grub. After a change run\n"
		"# `%s`, then reboot. `nicguard cmdline --remove` removes this file.\n%s%s\"\n",
		c->refresh, DROPIN_VAR, words);
	return fclose(f) == 0 ? 0 : -ENOMEM;
}

static int write_dropin(const struct ng_ctx *ctx, const struct ng_cmdline *c, const char *words,
			bool dry_run, struct ng_diags *done, struct ng_err *err)
{
	char path[4096], dir[4096], *text = NULL, *cur = NULL;
	size_t curlen;
	int r;

	if (ng_path(ctx, path, sizeof(path), "%s", NG_CMDLINE_DROPIN) < 0 ||
	    ng_path(ctx, dir, sizeof(dir), "/etc/default/grub.d") < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	if (!words[0]) {
		if (!c->dropin[0])
			return 0;
		if (!dry_run && unlink(path) < 0 && errno != ENOENT)
			return ng_err_set(err, -errno, path, 0, "cannot remove: %s",
					  strerror(errno));
		return say(done, "%s %s", dry_run ? "would remove" : "removed", NG_CMDLINE_DROPIN);
	}
	r = dropin_render(c, words, &text);
	if (r < 0)
		return ng_err_set(err, r, NULL, 0, "out of memory");
	if (read_rooted(ctx, NG_CMDLINE_DROPIN, &cur, &curlen) == 0 && strcmp(cur, text) == 0) {
		free(cur);
		free(text);
		return 0;
	}
	free(cur);
	if (!dry_run) {
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			r = ng_err_set(err, -errno, dir, 0, "cannot create: %s", strerror(errno));
		else
			r = ng_atomic_write_owned(path, text, strlen(text), 0644, err);
	}
	free(text);
	return r < 0 ? r : say(done, "%s %s: %s", dry_run ? "would write" : "wrote",
			       NG_CMDLINE_DROPIN, words);
}

/* The admin's file may be replaced only when it is a regular file root owns (no link, no
 * marker to check: it is not nicguard's). *mode gets its permission bits. */
static int admin_file_ok(const struct ng_ctx *ctx, const char *file, unsigned *mode,
			 struct ng_err *err)
{
	char path[4096];
	struct stat st;

	if (ng_path(ctx, path, sizeof(path), "%s", file) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	if (lstat(path, &st) < 0)
		return ng_err_set(err, -errno, path, 0, "cannot stat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
		return ng_err_set(err, -EEXIST, path, 0, "is not a regular file owned by uid %u; "
				  "left alone", (unsigned)geteuid());
	*mode = st.st_mode & 07777;
	return 0;
}

static int put_admin_file(const struct ng_ctx *ctx, const char *file, const char *buf,
			  size_t len, unsigned mode, struct ng_err *err)
{
	char path[4096];

	if (ng_path(ctx, path, sizeof(path), "%s", file) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	return ng_atomic_write(path, buf, len, mode, err);
}

static int keep_orig(const struct ng_ctx *ctx, const char *buf, size_t len, struct ng_err *err)
{
	char path[4096], dir[4096];

	if (ng_path(ctx, dir, sizeof(dir), STATE_DIR) < 0 ||
	    ng_path(ctx, path, sizeof(path), "%s", NG_CMDLINE_ORIG) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return ng_err_set(err, -errno, dir, 0, "cannot create: %s", strerror(errno));
	return ng_atomic_write(path, buf, len, 0644, err);
}

static int drop_orig(const struct ng_ctx *ctx, struct ng_err *err)
{
	char path[4096];

	if (ng_path(ctx, path, sizeof(path), "%s", NG_CMDLINE_ORIG) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	if (unlink(path) < 0 && errno != ENOENT)
		return ng_err_set(err, -errno, path, 0, "cannot remove: %s", strerror(errno));
	return 0;
}

/* /etc/kernel/cmdline: the admin's words, nicguard's earlier ones taken out, words added. */
static int write_kernel(const struct ng_ctx *ctx, const char *words, bool dry_run,
			struct ng_diags *done, struct ng_err *err)
{
	char *cur = NULL, *orig = NULL, *base = NULL, *next = NULL, added[NG_TEXT_MAX] = "";
	size_t curlen = 0, origlen = 0, baselen = 0, nextlen = 0;
	unsigned mode = 0644;
	bool kept;
	int r;

	r = read_rooted(ctx, NG_CMDLINE_KERNEL, &cur, &curlen);
	if (r < 0)
		return ng_err_set(err, r, NG_CMDLINE_KERNEL, 0, "cannot read: %s", strerror(-r));
	kept = read_rooted(ctx, NG_CMDLINE_ORIG, &orig, &origlen) == 0;
	r = kernel_base(cur, curlen, kept ? orig : NULL, origlen, added, sizeof(added), &base,
			&baselen);
	if (r == 0)
		r = ng_cmdline_edit(base, baselen, words, "", &next, &nextlen);
	if (r != 0 || !next) {
		r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
		goto out;
	}
	if (nextlen == curlen && memcmp(next, cur, curlen) == 0)
		goto out;	/* already so */
	if ((r = admin_file_ok(ctx, NG_CMDLINE_KERNEL, &mode, err)) < 0)
		goto out;
	if (!dry_run && !kept && (r = keep_orig(ctx, cur, curlen, err)) < 0)
		goto out;
	if (!dry_run && (r = put_admin_file(ctx, NG_CMDLINE_KERNEL, next, nextlen, mode, err)) < 0)
		goto out;
	/* Back to the kept original: nothing of nicguard's is left in the file. */
	if (!dry_run && kept && nextlen == origlen && memcmp(next, orig, origlen) == 0)
		r = drop_orig(ctx, err);
	if (r == 0)
		r = say(done, "%s %s: %.*s", dry_run ? "would write" : "wrote", NG_CMDLINE_KERNEL,
			(int)first_line_len(next, nextlen), next);
out:
	free(cur);
	free(orig);
	free(base);
	free(next);
	return r;
}

int ng_cmdline_write(const struct ng_ctx *ctx, const struct ng_cmdline *c, bool dry_run,
		     struct ng_diags *done, struct ng_err *err)
{
	char dropin[NG_TEXT_MAX] = "", kernel[NG_TEXT_MAX] = "";
	int r = 0;

	if (!c->grub && !c->kernel)
		return ng_err_set(err, -ENOENT, NULL, 0, "no boot configuration nicguard knows: "
				  "neither GRUB (%s) nor proxmox-boot-tool with systemd-boot (%s) "
				  "under %s", GRUB_DEFAULT, NG_CMDLINE_KERNEL, ng_ctx_root(ctx));
	for (size_t k = 0; k < c->n; k++) {
		if (!c->v[k].grub_default_line)
			list_add(dropin, sizeof(dropin), c->v[k].word);
		if (!c->v[k].kernel_admin)
			list_add(kernel, sizeof(kernel), c->v[k].word);
	}
	/* The admin's file first: when it cannot be written, nothing is. */
	if (c->kernel)
		r = write_kernel(ctx, kernel, dry_run, done, err);
	if (r == 0 && c->grub)
		r = write_dropin(ctx, c, dropin, dry_run, done, err);
	return r;
}

int ng_cmdline_remove(const struct ng_ctx *ctx, const struct ng_cmdline *c, bool dry_run,
		      struct ng_diags *done, struct ng_err *err)
{
	int r = 0;

	if (c->grub)
		r = write_dropin(ctx, c, "", dry_run, done, err);
	/* Under proxmox-boot-tool, whatever nicguard added goes even when the file is
	 * no longer a place (the ESPs changed to GRUB since). */
	if (r == 0 && c->pbt && exists(ctx, NG_CMDLINE_KERNEL) &&
	    (c->kernel || exists(ctx, NG_CMDLINE_ORIG)))
		r = write_kernel(ctx, "", dry_run, done, err);
	if (r == 0 && !dry_run)
		r = drop_orig(ctx, err);
	return r;
}
