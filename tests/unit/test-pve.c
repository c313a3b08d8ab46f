/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-pve.c: guest configs and locks, UPIDs and liveness, vzdump.conf edits, [pve] keys,
 * storage.cfg, storage servers and the ports under a device, the node file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"
#include "fixture.h"

static const char *value(const char *conf, const char *key)
{
	static char v[64];

	assert_int_equal(ng_guest_conf_value(conf, strlen(conf), key, v, sizeof(v)), 0);
	return v;
}

static void test_conf_main_section_only(void **state)
{
	(void)state;
	assert_string_equal(value("cores: 1\nlock: backup\nmemory: 512\n", "lock"), "backup");
	/* Sections end the main one, whatever their kind. */
	assert_string_equal(value("cores: 1\n\n[snap1]\nlock: backup\n", "lock"), "");
	assert_string_equal(value("cores: 1\n[PENDING]\nlock: backup\n", "lock"), "");
	assert_string_equal(value("name: a\n[special:cloudinit]\nlock: backup\n", "lock"), "");
	assert_string_equal(value("lock: migrate\n[PENDING]\nlock: backup\n", "lock"), "migrate");
	/* Comments (descriptions) and indented lines are no keys; a later line wins. */
	assert_string_equal(value("#lock: backup\n lock: backup\nname: x\n", "lock"), "");
	assert_string_equal(value("lock: backup\nlock: suspended", "lock"), "suspended");
	assert_string_equal(value("lock:   backup  \r\n", "lock"), "backup");
	assert_string_equal(value("locked: yes\nlock2: x\n", "lock"), "");
	assert_string_equal(value("hookscript: local:snippets/a\n", "hookscript"),
			    "local:snippets/a");
	assert_string_equal(value("", "lock"), "");
}

static void test_conf_value_too_long(void **state)
{
	char v[4];

	(void)state;
	assert_int_equal(ng_guest_conf_value("lock: backup\n", 13, "lock", v, sizeof(v)), -EINVAL);
}

static char *fixture_root(void)
{
	static char root[PATH_MAX];

	assert_non_null(realpath("tests/fixtures/pve/root", root));
	return root;
}

static struct ng_ctx *ctx_at(const char *root)
{
	struct ng_ctx_opts o = { .root = root };
	struct ng_err e;
	struct ng_ctx *ctx = ng_ctx_new(&o, &e);

	assert_non_null(ctx);
	return ctx;
}

static void test_guests_of_this_node(void **state)
{
	static const struct {
		unsigned vmid;
		enum ng_guest_type type;
		const char *lock;
	} want[] = {
		{ 100, NG_GUEST_QEMU, "" },	  { 102, NG_GUEST_QEMU, "" },
		{ 103, NG_GUEST_QEMU, "backup" }, { 104, NG_GUEST_QEMU, "migrate" },
		{ 105, NG_GUEST_QEMU, "snapshot" }, { 106, NG_GUEST_QEMU, "suspended" },
		{ 107, NG_GUEST_QEMU, "" },	  { 200, NG_GUEST_LXC, "backup" },
		{ 201, NG_GUEST_LXC, "mounted" }, { 202, NG_GUEST_LXC, "" },
	};
	struct ng_ctx *ctx = ctx_at(fixture_root());
	struct ng_guest *g;
	struct ng_err e;
	size_t n;

	(void)state;
	assert_int_equal(ng_pve_guests(ctx, &g, &n, &e), 0);
	/* pve2's 300 and 301 (lock: backup) are another node's. */
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(g[i].vmid, want[i].vmid);
		assert_int_equal(g[i].type, want[i].type);
		assert_string_equal(g[i].lock, want[i].lock);
		assert_int_equal(g[i].error, 0);
	}
	free(g);
	ng_ctx_free(ctx);
}

static void test_guests_missing_dirs(void **state)
{
	struct ng_ctx *ctx = ctx_at("/nonexistent-nicguard-root");
	struct ng_guest *g;
	struct ng_err e;
	size_t n = 1;

	(void)state;
	assert_int_equal(ng_pve_guests(ctx, &g, &n, &e), 0);
	assert_int_equal(n, 0);
	free(g);
	ng_ctx_free(ctx);
}

static void test_upid_parse(void **state)
{
	struct ng_upid u;

	(void)state;
	assert_int_equal(ng_upid_parse("UPID:pve1:0000A1B2:0012D687:6720F3A1:vzdump::root@pam:\n",
				       &u), 0);
	assert_string_equal(u.node, "pve1");
	assert_int_equal(u.pid, 0xA1B2);
	assert_int_equal(u.pstart, 0x12D687);
	assert_int_equal(u.starttime, 0x6720F3A1);
	assert_string_equal(u.type, "vzdump");
	assert_string_equal(u.id, "");
	assert_string_equal(u.user, "root@pam");
	/* A 9-digit process start (long uptimes) and an id. */
	assert_int_equal(ng_upid_parse("UPID:node-2:00000001:1A2B3C4D5:6720F3A1:qmstart:103:"
				       "root@pam!tok:", &u), 0);
	assert_int_equal(u.pstart, 0x1A2B3C4D5ULL);
	assert_string_equal(u.id, "103");
	assert_int_equal(ng_upid_parse("UPID:pve1:A1B2:0012D687:6720F3A1:vzdump::root@pam:", &u),
			 -EINVAL);
	assert_int_equal(ng_upid_parse("UPID:-pve:0000A1B2:0012D687:6720F3A1:vzdump::root@pam:",
				       &u), -EINVAL);
	assert_int_equal(ng_upid_parse("UPID:pve1:0000A1B2:0012D687:6720F3A1:vzdump::root@pam",
				       &u), -EINVAL);
	assert_int_equal(ng_upid_parse("UPID:pve1:00000000:0012D687:6720F3A1:vzdump::root@pam:",
				       &u), -EINVAL);
	assert_int_equal(ng_upid_parse("PID:pve1:0000A1B2:0012D687:6720F3A1:vzdump::root@pam:",
				       &u), -EINVAL);
	assert_int_equal(ng_upid_parse("", &u), -EINVAL);
}

/* This process's UPID, from its real /proc/self/stat field 22. */
static void own_upid(char *buf, size_t len, const char *type, long delta)
{
	char stat[1024], *p;
	unsigned long long start = 0;
	FILE *f = fopen("/proc/self/stat", "r");

	assert_non_null(f);
	assert_non_null(fgets(stat, sizeof(stat), f));
	fclose(f);
	p = strrchr(stat, ')') + 2;
	for (int field = 3; field < 22; field++)
		p = strchr(p, ' ') + 1;
	start = strtoull(p, NULL, 10) + (unsigned long long)delta;
	snprintf(buf, len, "UPID:pve1:%08X:%08llX:6720F3A1:%s::root@pam:", (unsigned)getpid(),
		 start, type);
}

static void test_upid_alive(void **state)
{
	struct ng_ctx *ctx = ctx_at("/");
	char text[128];
	struct ng_upid u;

	(void)state;
	own_upid(text, sizeof(text), "vzdump", 0);
	assert_int_equal(ng_upid_parse(text, &u), 0);
	assert_int_equal(ng_upid_alive(ctx, &u), 1);
	/* Same pid, other start time: the pid was reused by another process. */
	own_upid(text, sizeof(text), "vzdump", 1);
	assert_int_equal(ng_upid_parse(text, &u), 0);
	assert_int_equal(ng_upid_alive(ctx, &u), 0);
	u.pid = 0x7ffffffe;
	assert_int_equal(ng_upid_alive(ctx, &u), 0);
	ng_ctx_free(ctx);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* A root with the real /proc and an empty /run (var/run -> ../run, as on Debian). */
static char *temp_root(void)
{
	static char root[64];
	char path[PATH_MAX];

	snprintf(root, sizeof(root), "/tmp/ng-test-pve-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/proc", root);
	assert_int_equal(symlink("/proc", path), 0);
	snprintf(path, sizeof(path), "%s/run", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/var", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/var/run", root);
	assert_int_equal(symlink("../run", path), 0);
	for (const char *const *d = (const char *const[]){ "var/log", "var/log/pve",
							   "var/log/pve/tasks", NULL }; *d; d++) {
		snprintf(path, sizeof(path), "%s/%s", root, *d);
		assert_int_equal(mkdir(path, 0755), 0);
	}
	return root;
}

static void remove_root(const char *root)
{
	assert_int_equal(fx_rmtree(root), 0);
}

static int alive(struct ng_ctx *ctx)
{
	char why[512];
	struct ng_err e;

	return ng_pve_backup_alive(ctx, why, sizeof(why), &e);
}

static void test_backup_alive(void **state)
{
	char *root = temp_root(), path[PATH_MAX], upid[128], line[160];
	struct ng_ctx *ctx = ctx_at(root);
	int fd;

	(void)state;
	assert_int_equal(alive(ctx), 0);
	/* vzdump's lock file exists but nobody holds it: no backup. */
	snprintf(path, sizeof(path), "%s/run/vzdump.lock", root);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(alive(ctx), 0);
	/* Held, as vzdump holds it for a whole job: seen in /proc/locks, never taken. */
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(alive(ctx), 1);
	assert_int_equal(flock(fd, LOCK_UN), 0);
	close(fd);
	assert_int_equal(alive(ctx), 0);
	/* The pid file of a live task, then of a dead one. */
	snprintf(path, sizeof(path), "%s/run", root);
	own_upid(upid, sizeof(upid), "vzdump", 0);
	write_file(path, "vzdump.pid", upid);
	assert_int_equal(alive(ctx), 1);
	own_upid(upid, sizeof(upid), "vzdump", 5);
	write_file(path, "vzdump.pid", upid);
	assert_int_equal(alive(ctx), 0);
	/* The active task list: only vzdump tasks count. */
	snprintf(path, sizeof(path), "%s/var/log/pve/tasks", root);
	own_upid(upid, sizeof(upid), "qmstart", 0);
	snprintf(line, sizeof(line), "%s 1 6720F3B0 OK\n", upid);
	write_file(path, "active", line);
	assert_int_equal(alive(ctx), 0);
	own_upid(upid, sizeof(upid), "vzdump", 0);
	snprintf(line, sizeof(line), "%s 0\n", upid);
	write_file(path, "active", line);
	assert_int_equal(alive(ctx), 1);
	ng_ctx_free(ctx);
	remove_root(root);
}

static void test_guest_devices(void **state)
{
	(void)state;
	assert_true(ng_pve_guest_dev("tap103i0", 103));
	assert_true(ng_pve_guest_dev("tap103i12", 103));
	assert_true(ng_pve_guest_dev("veth200i0", 200));
	assert_true(ng_pve_guest_dev("fwpr103p0", 103));
	assert_true(ng_pve_guest_dev("fwln103i1", 103));
	/* The Open vSwitch firewall port (pve-common PVE/Network.pm). */
	assert_true(ng_pve_guest_dev("fwln103o0", 103));
	assert_false(ng_pve_guest_dev("fwln103o", 103));
	assert_false(ng_pve_guest_dev("fwpr103o0", 103));
	assert_false(ng_pve_guest_dev("fwbr103i0", 103));
	assert_false(ng_pve_guest_dev("tap1030i0", 103));
	assert_false(ng_pve_guest_dev("tap10i0", 103));
	assert_false(ng_pve_guest_dev("tap103i", 103));
	assert_false(ng_pve_guest_dev("tap103i01", 103));
	assert_false(ng_pve_guest_dev("tap103i0x", 103));
	assert_false(ng_pve_guest_dev("fwpr103i0", 103));
	assert_false(ng_pve_guest_dev("vmbr0", 103));
}

static char *edit(int (*fn)(const char *, size_t, const char *, char **, size_t *),
		  const char *in, const char *hook)
{
	static char buf[1024];
	size_t len;
	char *out;

	assert_int_equal(fn(in, strlen(in), hook, &out, &len), 0);
	assert_int_equal(strlen(out), len);
	snprintf(buf, sizeof(buf), "%s", out);
	free(out);
	return buf;
}

static void test_vzdump_conf(void **state)
{
	const char *hook = "/usr/libexec/nicguard/vzdump-hook";
	char script[64], *out;
	size_t len;

	(void)state;
	assert_int_equal(ng_vzdump_conf_script("#script: /a\nscript: /b\nscript:/c  \n", 34,
					       script, sizeof(script)), 0);
	assert_string_equal(script, "/c");
	assert_string_equal(edit(ng_vzdump_conf_enable, "", hook),
			    "script: /usr/libexec/nicguard/vzdump-hook\n");
	assert_string_equal(edit(ng_vzdump_conf_enable, "#script: x\nbwlimit: 5", hook),
			    "#script: x\nbwlimit: 5\nscript: /usr/libexec/nicguard/vzdump-hook\n");
	assert_string_equal(edit(ng_vzdump_conf_enable, "a: 1\nscript: /old\nb: 2\n", hook),
			    "a: 1\nscript: /usr/libexec/nicguard/vzdump-hook\nb: 2\n");
	assert_int_equal(ng_vzdump_conf_disable("a: 1\nscript: /x\n", 16, hook, NULL, &out, &len),
			 -ENOENT);
	assert_int_equal(ng_vzdump_conf_disable("a: 1\nscript: /usr/libexec/nicguard/vzdump-hook",
						46, hook, "/old", &out, &len), 0);
	assert_string_equal(out, "a: 1\nscript: /old");
	free(out);
	assert_int_equal(ng_vzdump_conf_disable("script: /usr/libexec/nicguard/vzdump-hook\nb: 2\n",
						47, hook, "", &out, &len), 0);
	assert_string_equal(out, "b: 2\n");
	free(out);
	/* PVE::JSONSchema::parse_config: trimmed lines, any blanks after the colon. */
	assert_int_equal(ng_vzdump_conf_script("  script:\t/x  \r\n  # script: /y\n", 29, script,
					       sizeof(script)), 0);
	assert_string_equal(script, "/x");
	assert_string_equal(edit(ng_vzdump_conf_enable, "a: 1\n  script:  /old\n", hook),
			    "a: 1\nscript: /usr/libexec/nicguard/vzdump-hook\n");
	/* An empty last value means no hook at all, in vzdump too. */
	assert_int_equal(ng_vzdump_conf_script("script: /a\nscript:\n", 19, script,
					       sizeof(script)), 0);
	assert_string_equal(script, "");
}

static void test_conf_drop(void **state)
{
	static const char conf[] = "#lock: x\nlock: backup\nname: a\nlock: backup\n"
				   "[PENDING]\nlock: migrate\n";
	char *out;
	size_t len;

	(void)state;
	assert_int_equal(ng_guest_conf_drop(conf, strlen(conf), "lock", &out, &len), 0);
	assert_string_equal(out, "#lock: x\nname: a\n[PENDING]\nlock: migrate\n");
	assert_int_equal(len, strlen(out));
	free(out);
	/* "lock:" without a value is no lock, as PVE's parser ignores it. */
	assert_string_equal(value("lock: backup\nlock:\n", "lock"), "backup");
}

static const char storage_cfg[] =
	"# a comment\n"
	"dir: local\n\tpath /srv/elsewhere\n\tcontent iso\n\n"
	"NFS: nas\n\tserver 198.51.100.2\n\tserver 192.0.2.9\n  # comment inside\n"
	"\tcontent backup,snippets\n\tnodes pve1;pve2\n\tdisable\n"
	"dir: after-no-blank\n\tpath /x\n\n"
	"dir: 1bad\n\tpath /bad\n\n"
	"dir: shared-dir\n\tpath /mnt/s\n\tshared 1\n\tcontent-dirs snippets=hooks\n\n"
	"a:b:c\n";

static void test_storage_parse(void **state)
{
	struct ng_storage_cfg c;
	const struct ng_storage *s;

	(void)state;
	assert_int_equal(ng_storage_parse(storage_cfg, strlen(storage_cfg), &c), 0);
	/* `local` not at /var/lib/vz: Proxmox puts its own in its place. */
	s = ng_storage_find(&c, "local");
	assert_non_null(s);
	assert_true(s->builtin);
	assert_string_equal(ng_storage_get(s, "path"), "/var/lib/vz");
	assert_true(ng_storage_has_content(s, "snippets"));
	s = ng_storage_find(&c, "nas");
	assert_non_null(s);
	assert_string_equal(s->type, "nfs");
	/* A repeated key keeps the first value; a header without a blank line before it is
	 * an ignored line inside the section, whose next property lands in this one. */
	assert_string_equal(ng_storage_get(s, "server"), "198.51.100.2");
	assert_string_equal(ng_storage_get(s, "path"), "/x");
	assert_null(ng_storage_find(&c, "after-no-blank"));
	assert_true(ng_storage_shared(s));
	assert_false(ng_storage_enabled(s));
	assert_true(ng_storage_on_node(s, "pve2"));
	assert_false(ng_storage_on_node(s, "pve3"));
	/* An invalid id skips its whole section. */
	assert_null(ng_storage_find(&c, "1bad"));
	s = ng_storage_find(&c, "shared-dir");
	assert_non_null(s);
	assert_true(ng_storage_shared(s));
	assert_false(ng_storage_shared(ng_storage_find(&c, "local")));
	/* The type's \S+ is greedy: "a:b" of id "c". */
	s = ng_storage_find(&c, "c");
	assert_null(s);	/* "c" is one character: no valid id */
	ng_storage_cfg_free(&c);
	assert_int_equal(ng_storage_parse("", 0, &c), 0);
	assert_int_equal(c.n, 1);
	ng_storage_cfg_free(&c);
}

static char *hosts_of(const char *cfg, const char *id, const char *mountinfo, const char *mon)
{
	static char names[256];
	struct ng_storage_cfg c;
	char **v;
	size_t n;

	assert_int_equal(ng_storage_parse(cfg, strlen(cfg), &c), 0);
	assert_non_null(ng_storage_find(&c, id));
	assert_int_equal(ng_storage_hosts(ng_storage_find(&c, id), mountinfo, mon, &v, &n), 0);
	names[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i ? " " : "", v[i]);
	ng_strv_free(v, n);
	ng_storage_cfg_free(&c);
	return names;
}

static void test_storage_hosts(void **state)
{
	static const char cfg[] =
		"nfs: nn\n\tserver 198.51.100.2\n\n"
		"pbs: pp\n\tserver [2001:db8::5]:8007\n\n"
		"glusterfs: gg\n\tserver 192.0.2.1\n\tserver2 192.0.2.2\n\n"
		"rbd: rr\n\tmonhost 192.0.2.1:6789;192.0.2.2 [v2:192.0.2.3:3300/0,v1:192.0.2.3:6789]\n\n"
		"cephfs: cf\n\n"
		"iscsi: ii\n\tportal 203.0.113.7:3260\n\n"
		"dir: dd\n\tpath /mnt/backup disk/vz\n\n"
		"dir: cc\n\tpath /mnt/smb\n\n"
		"dir: ll\n\tpath /srv/local\n";
	static const char mountinfo[] =
		"21 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
		"30 21 0:50 / /mnt/backup\\040disk rw - nfs4 198.51.100.9:/export/vz rw\n"
		"31 21 0:51 / /mnt/smb rw shared:5 - cifs //nas.example.test/backup rw\n";

	(void)state;
	assert_string_equal(hosts_of(cfg, "nn", NULL, NULL), "198.51.100.2");
	assert_string_equal(hosts_of(cfg, "pp", NULL, NULL), "2001:db8::5");
	assert_string_equal(hosts_of(cfg, "gg", NULL, NULL), "192.0.2.1 192.0.2.2");
	assert_string_equal(hosts_of(cfg, "rr", NULL, NULL), "192.0.2.1 192.0.2.2 192.0.2.3");
	assert_string_equal(hosts_of(cfg, "cf", NULL, "192.0.2.4,192.0.2.5"),
			    "192.0.2.4 192.0.2.5");
	assert_string_equal(hosts_of(cfg, "ii", NULL, NULL), "203.0.113.7");
	assert_string_equal(hosts_of(cfg, "dd", mountinfo, NULL), "198.51.100.9");
	assert_string_equal(hosts_of(cfg, "cc", mountinfo, NULL), "nas.example.test");
	assert_string_equal(hosts_of(cfg, "ll", mountinfo, NULL), "");
}

/* A VLAN on a bridge whose port is a bond of two NICs, and a guest's tap on the bridge. */
static void test_egress_walk(void **state)
{
	static const char script[] =
		"set -e; cd \"$0\"; n=sys/class/net\n"
		"x=2; for i in eno1 eno2 bond0 vmbr1 vmbr1.50 tap101i0; do mkdir -p $n/$i\n"
		"  echo $x >$n/$i/ifindex; echo 0x1003 >$n/$i/flags; x=$((x + 1)); done\n"
		"mkdir -p $n/vmbr1/bridge $n/bond0/bonding\n"
		"echo 0x1003 >$n/tap101i0/tun_flags\n"
		"ln -s ../vmbr1 $n/vmbr1.50/lower_vmbr1\n"
		"ln -s ../bond0 $n/vmbr1/lower_bond0; ln -s ../tap101i0 $n/vmbr1/lower_tap101i0\n"
		"ln -s ../eno1 $n/bond0/lower_eno1; ln -s ../eno2 $n/bond0/lower_eno2\n";
	char cmd[sizeof(script) + 256], *root = temp_root();
	struct ng_ctx *ctx = ctx_at(root);
	struct ng_egress e = { 0 };

	(void)state;
	snprintf(cmd, sizeof(cmd), "sh -c '%s' %s", script, root);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(ng_egress_ports_of(ctx, "vmbr1.50", &e), 0);
	assert_int_equal(e.nports, 2);
	/* readdir order: either way round, never the tap. */
	assert_true((strcmp(e.ports[0], "eno1") == 0 && strcmp(e.ports[1], "eno2") == 0) ||
		    (strcmp(e.ports[0], "eno2") == 0 && strcmp(e.ports[1], "eno1") == 0));
	ng_egress_free(&e);
	assert_int_equal(ng_egress_ports_of(ctx, "eno1", &e), 0);
	assert_int_equal(e.nports, 1);
	assert_string_equal(e.ports[0], "eno1");
	ng_egress_free(&e);
	ng_ctx_free(ctx);
	remove_root(root);
}

static void test_node_file(void **state)
{
	char snip[] = "local:snippets/nicguard-guest-hook", *snips[] = { snip }, *text;
	struct ng_pve_node nd = { 0 };
	size_t len;

	(void)state;
	assert_int_equal(ng_pve_node_render("/usr/libexec/nicguard/guest-hook", snips, 1, &text,
					    &len), 0);
	assert_int_equal(ng_pve_node_parse(text, len, &nd), 0);
	assert_true(nd.nicguard);
	assert_true(ng_pve_node_provides(&nd, "local:snippets/nicguard-guest-hook"));
	assert_false(ng_pve_node_provides(&nd, "nas:snippets/nicguard-guest-hook"));
	free(text);
	/* Without nicguard's marker a file says nothing. */
	assert_int_equal(ng_pve_node_parse("snippet local:snippets/nicguard-guest-hook\n", 43,
					   &nd), 0);
	assert_false(nd.nicguard);
	assert_true(ng_pve_volid_is_ours("nas:snippets/nicguard-guest-hook"));
	assert_false(ng_pve_volid_is_ours("nas:snippets/nicguard-guest-hook.pl"));
	assert_false(ng_pve_volid_is_ours("local:iso/nicguard-guest-hook"));
	assert_true(ng_pve_guest_port("fwln100o2"));
	assert_true(ng_pve_guest_port("tap7i0"));
	assert_false(ng_pve_guest_port("tapx"));
	assert_false(ng_pve_guest_port("eno1"));
	ng_strv_free(nd.snippets, nd.nsnippets);
}

static char *read_all(const char *dir, const char *name)
{
	char path[PATH_MAX], *buf;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (ng_read_file(path, false, 1 << 20, &buf, NULL) < 0)
		return NULL;
	return buf;
}

static void test_hook_enable_disable(void **state)
{
	const char *hook = "/usr/libexec/nicguard/vzdump-hook";
	static const char orig[] = "# vzdump defaults\nbwlimit: 716800\nscript: /root/old.sh\n"
				   "mode: snapshot";
	char *root = temp_root(), etc[256], chain[128], *text;
	struct ng_ctx *ctx = ctx_at(root);
	struct ng_pve_hook_change c;
	struct ng_err e;

	(void)state;
	snprintf(etc, sizeof(etc), "%s/etc", root);
	assert_int_equal(mkdir(etc, 0755), 0);
	/* No vzdump.conf at all: enable creates one, disable removes it again. */
	assert_int_equal(ng_pve_hook_enable(ctx, hook, false, &c, &e), 0);
	assert_true(c.changed);
	assert_string_equal(c.chain, "");
	assert_int_equal(ng_pve_hook_disable(ctx, hook, false, &c, &e), 0);
	assert_null(read_all(etc, "vzdump.conf"));
	/* An admin's script is kept as the chained hook; the round trip is byte-identical. */
	write_file(etc, "vzdump.conf", orig);
	assert_int_equal(ng_pve_hook_enable(ctx, hook, true, &c, &e), 0);
	text = read_all(etc, "vzdump.conf");
	assert_string_equal(text, orig);	/* dry run */
	free(text);
	assert_int_equal(ng_pve_hook_enable(ctx, hook, false, &c, &e), 0);
	assert_string_equal(c.chain, "/root/old.sh");
	assert_int_equal(ng_pve_hook_chain(ctx, chain, sizeof(chain)), 0);
	assert_string_equal(chain, "/root/old.sh");
	text = read_all(etc, "vzdump.conf");
	assert_string_equal(text, "# vzdump defaults\nbwlimit: 716800\n"
			    "script: /usr/libexec/nicguard/vzdump-hook\nmode: snapshot");
	free(text);
	assert_int_equal(ng_pve_hook_enable(ctx, hook, false, &c, &e), 0);
	assert_false(c.changed);
	assert_int_equal(ng_pve_hook_disable(ctx, hook, false, &c, &e), 0);
	text = read_all(etc, "vzdump.conf");
	assert_string_equal(text, orig);
	free(text);
	assert_null(read_all(etc, "nicguard/vzdump.conf.orig"));
	assert_int_equal(ng_pve_hook_chain(ctx, chain, sizeof(chain)), 0);
	assert_string_equal(chain, "");
	/* Edited after enable-hook: only the script line goes back. */
	assert_int_equal(ng_pve_hook_enable(ctx, hook, false, &c, &e), 0);
	write_file(etc, "vzdump.conf", "storage: nas\nscript: /usr/libexec/nicguard/vzdump-hook\n");
	assert_int_equal(ng_pve_hook_disable(ctx, hook, false, &c, &e), 0);
	text = read_all(etc, "vzdump.conf");
	assert_string_equal(text, "storage: nas\nscript: /root/old.sh\n");
	free(text);
	assert_int_equal(ng_pve_hook_disable(ctx, hook, false, &c, &e), 0);
	assert_false(c.changed);
	ng_ctx_free(ctx);
	remove_root(root);
}

static void test_root_from_exe(void **state)
{
	const char *inst = "/usr/libexec/nicguard/vzdump-hook";
	char root[64];

	(void)state;
	assert_int_equal(ng_pve_root_from_exe(inst, inst, root, sizeof(root)), 0);
	assert_string_equal(root, "/");
	assert_int_equal(ng_pve_root_from_exe("/tmp/t/usr/libexec/nicguard/vzdump-hook", inst,
					      root, sizeof(root)), 0);
	assert_string_equal(root, "/tmp/t");
	assert_int_equal(ng_pve_root_from_exe("/build/nicguard-vzdump-hook", inst, root,
					      sizeof(root)), 0);
	assert_string_equal(root, "/");
	assert_int_equal(ng_pve_root_from_exe("/tmp/t/opt/usr/libexec/nicguard/vzdump-hook.old",
					      inst, root, sizeof(root)), 0);
	assert_string_equal(root, "/");
}

static void test_pve_options(void **state)
{
	static const char text[] = "[pve]\nabort-on-error = yes\nunlock-stale = no\n"
				   "[pve]\nabort-on-eror = yes\nunlock-stale = maybe\n";
	struct ng_policy *p = ng_policy_new();
	struct ng_pve_opts o;

	(void)state;
	assert_true(ng_pve_tables_sorted());
	ng_pve_opts_get(NULL, &o);
	assert_false(o.abort_on_error);
	assert_true(o.unlock_stale);
	assert_int_equal(ng_policy_parse(p, text, strlen(text), "t.conf"), -EINVAL);
	assert_int_equal(p->diags.n, 2);
	assert_int_equal(p->diags.v[0].line, 5);
	assert_non_null(strstr(p->diags.v[0].msg, "unknown key \"abort-on-eror\""));
	assert_int_equal(p->diags.v[1].line, 6);
	assert_non_null(strstr(p->diags.v[1].msg, "not yes or no"));
	/* The bad second section is ignored as a whole; the first one counts. */
	ng_pve_opts_get(p, &o);
	assert_true(o.abort_on_error);
	assert_false(o.unlock_stale);
	ng_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_main_section_only),
		cmocka_unit_test(test_conf_value_too_long),
		cmocka_unit_test(test_guests_of_this_node),
		cmocka_unit_test(test_guests_missing_dirs),
		cmocka_unit_test(test_upid_parse),
		cmocka_unit_test(test_upid_alive),
		cmocka_unit_test(test_backup_alive),
		cmocka_unit_test(test_guest_devices),
		cmocka_unit_test(test_vzdump_conf),
		cmocka_unit_test(test_conf_drop),
		cmocka_unit_test(test_storage_parse),
		cmocka_unit_test(test_storage_hosts),
		cmocka_unit_test(test_egress_walk),
		cmocka_unit_test(test_node_file),
		cmocka_unit_test(test_hook_enable_disable),
		cmocka_unit_test(test_root_from_exe),
		cmocka_unit_test(test_pve_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
