/* SPDX-License-Identifier: GPL-2.0-or-later */
/* revert.c: what each device held before nicguard first changed it, kept to put back. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

/* One file per device under NG_REVERT_DIR, named by its key, in the policy's own words so
 * value.c parses it back (backup.c's state file does the same):
 *	# Written by nicguard. ...
 *	name eno1
 *	offload tx-tcp-segmentation on tx-tcp6-segmentation on
 *	coalesce rx-usecs 3
 *	rps 00000000,0000000f
 *	ethtool --set-eee {} eee off
 * An ethtool line records a pass-through nicguard ran: what it changed cannot be read, so
 * it is reported, never run again. The first value of each setting wins: a setting already
 * in the file is never recorded again, whatever nicguard or anybody did since. */
#define FILE_MAX (64u * 1024)

int ng_revert_key(const struct ng_iface *ifc, char *key, size_t len)
{
	int n;

	/* The burnt-in address follows the card through renames, reboots and slot changes;
	 * the bus address survives all but a slot change; a software device has its name. */
	if (ifc->perm_mac[0])
		n = snprintf(key, len, "mac-%s", ifc->perm_mac);
	else if (ifc->pci_addr[0])
		n = snprintf(key, len, "pci-%s", ifc->pci_addr);
	else if (ifc->bus_addr[0])
		n = snprintf(key, len, "bus-%s", ifc->bus_addr);
	else
		n = snprintf(key, len, "name-%s", ifc->name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	/* The key is a file name: nothing but what the kernel's names and addresses hold. */
	for (const char *c = key; *c; c++)
		if (*c == '/' || (unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f)
			return -EINVAL;
	return ng_ifname_valid(ifc->name) ? 0 : -EINVAL;
}

static int record_path(const struct ng_ctx *ctx, const char *key, char *path, size_t len)
{
	return ng_path(ctx, path, len, NG_REVERT_DIR "/%s", key);
}

void ng_revert_free(struct ng_revert *r)
{
	ng_items_free(r->items, r->n);
	free(r->file);
	memset(r, 0, sizeof(*r));
}

/* Parse a record. Bad lines are skipped (a record is nicguard's own file: a bad line means
 * someone edited it, and the rest still holds). Returns 0 or -ENOMEM. */
static int parse_record(const char *buf, size_t len, struct ng_revert *r)
{
	const char *line;
	unsigned lineno;
	struct ng_lex lx;
	int rr;

	ng_lex_init(&lx, buf, len);
	while ((rr = ng_lex_next(&lx, &line, &lineno)) > 0) {
		struct ng_origin origin = { .file = r->file, .line = lineno };
		char key[NG_NAME_MAX];
		enum ng_group group;
		enum ng_set set;
		int off = 0;

		if (sscanf(line, "%47s %n", key, &off) != 1 || !off)
			continue;
		if (strcmp(key, "name") == 0) {
			if (ng_ifname_valid(line + off))
				snprintf(r->ifname, sizeof(r->ifname), "%s", line + off);
			continue;
		}
		if (ng_key_lookup(key, &group, &set) < 0 || set != NG_SET_NORMAL ||
		    group == NG_FLAG || group == NG_CMDLINE || group == NG_ITR)
			continue;
		if (ng_value_parse(group, NG_SET_NORMAL, line + off, origin, &r->items, &r->n,
				   NULL) == -ENOMEM) {
			rr = -ENOMEM;
			break;
		}
	}
	ng_lex_free(&lx);
	return rr < 0 ? rr : 0;
}

static int read_key(const struct ng_ctx *ctx, const char *key, struct ng_revert *out,
		    struct ng_err *err)
{
	char path[4096];
	size_t len;
	char *buf;
	int r;

	memset(out, 0, sizeof(*out));
	snprintf(out->key, sizeof(out->key), "%s", key);
	if (record_path(ctx, key, path, sizeof(path)) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	r = ng_read_file(path, true, FILE_MAX, &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return ng_err_set(err, r, path, 0, "cannot read: %s", strerror(-r));
	out->found = strncmp(buf, NG_MARKER, strlen(NG_MARKER)) == 0;
	out->file = strdup(path + strlen(ng_ctx_root_prefix(ctx)));
	r = out->file ? 0 : -ENOMEM;
	if (r == 0 && out->found)
		r = parse_record(buf, len, out);
	free(buf);
	if (r < 0) {
		ng_revert_free(out);
		return ng_err_set(err, r, NULL, 0, "out of memory");
	}
	return 0;
}

int ng_revert_read(const struct ng_ctx *ctx, const struct ng_iface *ifc, struct ng_revert *out,
		   struct ng_err *err)
{
	char key[64];

	memset(out, 0, sizeof(*out));
	if (ng_revert_key(ifc, key, sizeof(key)) < 0)
		return ng_err_set(err, -EINVAL, NULL, 0, "%s: no usable record key", ifc->name);
	return read_key(ctx, key, out, err);
}

/* The record text: the settings in the policy's words, as the backup state file has them. */
static int render(const struct ng_revert *r, const struct ng_iface *ifc, char **out,
		  size_t *outlen)
{
	FILE *f = open_memstream(out, outlen);
	int rr;

	if (!f)
		return -ENOMEM;
	fprintf(f, "%s\n# What %s held before nicguard first changed it (record %s).\n"
		"# `nicguard revert %s` puts it back; an ethtool line is a pass-through nicguard "
		"ran, undone by hand.\nname %s\n", NG_MARKER, ifc->name, r->key, ifc->name,
		ifc->name);
	rr = ng_items_print(f, "", "", r->items, r->n);
	if (fclose(f) != 0 || rr < 0) {
		free(*out);
		return -ENOMEM;
	}
	return 0;
}

/* Records only belong to the host: on the live root, a device in another network namespace
 * (a container's, a test's) may share its name with a host device. */
static bool host_netns(const struct ng_ctx *ctx)
{
	struct stat self, init;

	if (ng_ctx_root_prefix(ctx)[0])
		return true;
	if (stat("/proc/self/ns/net", &self) < 0 || stat("/proc/1/ns/net", &init) < 0)
		return false;
	return self.st_dev == init.st_dev && self.st_ino == init.st_ino;
}

/* How many records there are (a new device beyond NG_REVERT_MAX is not recorded). */
static size_t count_records(const char *dir)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static int mkdirs(const struct ng_ctx *ctx, char *dir, size_t len, struct ng_err *err)
{
	static const char *const parts[] = { "/var/lib/nicguard", NG_REVERT_DIR };

	for (size_t i = 0; i < NG_ARRAY_SIZE(parts); i++) {
		if (ng_path(ctx, dir, len, "%s", parts[i]) < 0)
			return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return ng_err_set(err, -errno, dir, 0, "cannot create: %s", strerror(errno));
	}
	return 0;
}

int ng_revert_record(const struct ng_ctx *ctx, const struct ng_iface *ifc,
		     const struct ng_wanted *found, struct ng_err *err)
{
	struct ng_revert r;
	char path[4096], dir[4096];
	bool added = false;
	size_t len;
	char *text;
	int rr;

	if (found->n == 0 || !host_netns(ctx))
		return 0;
	rr = ng_revert_read(ctx, ifc, &r, err);
	if (rr < 0)
		return rr;
	for (size_t i = 0; i < found->n && rr == 0; i++) {
		const struct ng_item *it = &found->items[i];
		const struct ng_wanted have = { r.items, r.n };
		struct ng_item copy = *it;

		if (ng_key_name(it->group, NG_SET_NORMAL) == NULL || it->group == NG_FLAG ||
		    it->group == NG_CMDLINE || ng_wanted_find(&have, it->group, it->name))
			continue;
		copy.set = NG_SET_NORMAL;
		rr = ng_items_put(&r.items, &r.n, &copy, false);
		added = true;
	}
	if (rr < 0 || !added) {
		ng_revert_free(&r);
		return rr < 0 ? ng_err_set(err, rr, NULL, 0, "out of memory") : 0;
	}
	rr = mkdirs(ctx, dir, sizeof(dir), err);
	if (rr == 0 && !r.found && count_records(dir) >= NG_REVERT_MAX)
		rr = ng_err_set(err, -ENOSPC, dir, 0, "already %u records: %s not recorded",
				NG_REVERT_MAX, ifc->name);
	if (rr == 0 && record_path(ctx, r.key, path, sizeof(path)) < 0)
		rr = ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	if (rr == 0 && (rr = render(&r, ifc, &text, &len)) < 0)
		rr = ng_err_set(err, rr, NULL, 0, "out of memory");
	else if (rr == 0) {
		rr = ng_atomic_write_owned(path, text, len, 0644, err);
		free(text);
	}
	ng_revert_free(&r);
	return rr;
}

int ng_revert_apply(const struct ng_ctx *ctx, const struct ng_iface *ifc,
		    const struct ng_revert *rec, unsigned flags, struct ng_report *rep,
		    struct ng_err *err)
{
	struct ng_runstate rs;
	struct ng_wanted w = { 0 };
	bool held;
	int r = 0;

	if (ng_runstate_read(ctx, &rs) < 0)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	held = ng_runstate_holds(&rs, ifc->name);
	ng_runstate_free(&rs);
	if (held)
		return ng_err_set(err, -EBUSY, NULL, 0, "%s: held by an open backup window: run "
				  "`nicguard restore` first", ifc->name);
	for (size_t i = 0; i < rec->n && r == 0; i++)
		if (rec->items[i].group != NG_ETHTOOL)
			r = ng_items_put(&w.items, &w.n, &rec->items[i], false);
	if (r < 0)
		r = ng_err_set(err, r, NULL, 0, "out of memory");
	else if (w.n)
		r = ng_apply(ctx, ifc, &w, flags, rep, err);
	ng_wanted_free(&w);
	return r;
}

int ng_revert_forget(const struct ng_ctx *ctx, const char *key, struct ng_err *err)
{
	char path[4096];

	if (record_path(ctx, key, path, sizeof(path)) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	if (unlink(path) < 0 && errno != ENOENT)
		return ng_err_set(err, -errno, path, 0, "cannot remove: %s", strerror(errno));
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const struct ng_revert *)a)->key, ((const struct ng_revert *)b)->key);
}

int ng_revert_list(const struct ng_ctx *ctx, struct ng_revert **out, size_t *n,
		   struct ng_err *err)
{
	char dir[4096];
	struct dirent *de;
	int r = 0;
	DIR *d;

	*out = NULL;
	*n = 0;
	if (ng_path(ctx, dir, sizeof(dir), NG_REVERT_DIR) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : ng_err_set(err, -errno, dir, 0, "cannot open: %s",
							strerror(errno));
	while (r == 0 && (de = readdir(d)) && *n < NG_REVERT_MAX) {
		struct ng_revert *v;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(v->key))
			continue;
		v = realloc(*out, (*n + 1) * sizeof(*v));
		if (!v) {
			r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
			break;
		}
		*out = v;
		r = read_key(ctx, de->d_name, &v[*n], err);
		if (r == 0 && v[*n].found)
			(*n)++;
		else if (r == 0)
			ng_revert_free(&v[*n]);
	}
	closedir(d);
	if (r < 0) {
		ng_revert_list_free(*out, *n);
		*out = NULL;
		*n = 0;
		return r;
	}
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_key);
	return 0;
}

void ng_revert_list_free(struct ng_revert *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ng_revert_free(&v[i]);
	free(v);
}
