#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# history.sh: what the event history costs, against a plain append to a log file (what
# syslog does with the same detection), and what a compaction of a full file costs.
#
# Usage: bench/history.sh [-n EVENTS] [-d DIR]  (default 2000 events, a directory under
#   /var/tmp: on the disk the history lives on, not a tmpfs)
#   NG_BUILD  the build directory holding libnicguard.a (default: build/)
#
# The daemon only queues an event on its detection path (memory, after the action); it
# writes the queue at most once a second: one lock, one write, one fdatasync. The worst
# case, a flush per event, is measured too. Then: a file filled to the compaction
# threshold, and the one flush that compacts it.
set -euo pipefail

n=2000
base=/var/tmp
while getopts n:d:h opt; do
	case $opt in
	n) n=$OPTARG ;;
	d) base=$OPTARG ;;
	*) sed -n '3,6s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${NG_BUILD:-$top/build}
[ -f "$build/libnicguard.a" ] || { echo "history.sh: $build/libnicguard.a not built (make)" >&2; exit 2; }
tmp=$(mktemp -d "$base/ng-hbench-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/var/lib/nicguard"
cc -O2 -std=c11 -D_GNU_SOURCE -I"$top/src/lib" -o "$tmp/history-bench" \
	"$top/bench/history-bench.c" "$build/libnicguard.a"

echo "history benchmark: $n events, $(findmnt -no FSTYPE -T "$tmp" 2>/dev/null || echo '?') at $tmp"
echo "kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$tmp/history-bench" "$tmp/root" "$n"

# Compaction: fill the file past NG_HISTORY_MAX with a month of samples and events, then
# time the flush that crosses the threshold.
python3 - "$tmp/root" <<'PY'
import struct, sys, time
t = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    t.append(c)
def crc(b):
    c = 0xffffffff
    for x in b:
        c = t[(c ^ x) & 0xff] ^ (c >> 8)
    return c ^ 0xffffffff
def rec(typ, p):
    p = p.encode()
    body = struct.pack('<HBB', len(p), ord(typ), 0) + p
    return b'\xffNGH' + body + struct.pack('<I', crc(body))
now = 1796637600
out = [b"# Written by nicguard. Changes here are overwritten; edit the policy instead.\n"
       b"nicguard-history 1\n"]
size = sum(map(len, out))
for k in range(8640):                       # 30 days of 5-minute host samples
    e = now - 30 * 86400 + 300 * (k + 1)
    r = rec('N', f"{e}\t\t{e-300}\t300\t0\t0\t0\t0\t2\t9")
    out.append(r); size += len(r)
i = 0
while size < 2 * 1024 * 1024 - 2000:        # detections up to just under the threshold
    r = rec('E', f"{now - 86400 + i}\teno1\tdetect\te1000e-hw-hang\thang\tbounce\taction bounce")
    out.append(r); size += len(r); i += 1
p = sys.argv[1] + "/var/lib/nicguard/history"
open(p, "wb").write(b"".join(out))
import os; os.chmod(p, 0o600)
PY
cat >"$tmp/compact.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include "nicguard.h"
#include "internal.h"
int main(int argc, char **argv)
{
	struct ng_ctx_opts o = { .root = argv[1] };
	struct ng_ctx *ctx = ng_ctx_new(&o, NULL);
	struct ng_history *w = ng_history_new(ctx, "watch");
	struct ng_hist_event e = { .time = 1796637600, .cls = NG_SIG_HANG, .ifname = "eno1",
				   .sig = "e1000e-hw-hang", .what = "bounce" };
	struct ng_err err = { 0 };
	struct timespec a, b;
	struct stat st;
	char p[4096];

	snprintf(p, sizeof(p), "%s/var/lib/nicguard/history", argv[1]);
	stat(p, &st);
	/* The metrics' gauges read the whole file at each metrics write (every metrics-interval,
	 * at most once a second during a flood): against reading its bytes alone. */
	{
		struct ng_metrics_sample s = { 0 };
		double g = 1e9, rd = 1e9;

		for (int k = 0; k < 5; k++) {
			char *buf;
			size_t len;
			double t;

			clock_gettime(CLOCK_MONOTONIC, &a);
			if (ng_metrics_history(ctx, 1796637600, &s, &err) < 0)
				return printf("gauges failed: %s\n", err.msg), 1;
			clock_gettime(CLOCK_MONOTONIC, &b);
			t = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
			g = t < g ? t : g;
			clock_gettime(CLOCK_MONOTONIC, &a);
			if (ng_read_file(p, false, 4 << 20, &buf, &len) == 0)
				free(buf);
			clock_gettime(CLOCK_MONOTONIC, &b);
			t = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
			rd = t < rd ? t : rd;
		}
		printf("metrics gauges from a %ld-byte history: %.1f ms (%.0fx reading its bytes, "
		       "%.1f ms; %.4f%% of a CPU at the default 300 s interval)\n",
		       (long)st.st_size, g, g / rd, rd, g / 3000);
		ng_metrics_sample_free(&s);
	}
	printf("compaction: %ld bytes", (long)st.st_size);
	for (int i = 0; i < 40; i++)
		ng_history_event(w, &e);
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (ng_history_flush(w, 1796637600, &err) < 0)
		return printf(" failed: %s\n", err.msg), 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	stat(p, &st);
	printf(" -> %ld bytes in %.1f ms (the one flush that crosses %u bytes)\n", (long)st.st_size,
	       (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6, NG_HISTORY_MAX);
	return 0;
}
C
cc -O2 -std=c11 -D_GNU_SOURCE -I"$top/src/lib" -o "$tmp/compact" "$tmp/compact.c" \
	"$build/libnicguard.a"
"$tmp/compact" "$tmp/root"
