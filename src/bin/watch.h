/* SPDX-License-Identifier: GPL-2.0-or-later */
/* watch.h: nicguard-watch's state, shared by its files (nicguard-watch.c, watch-*.c). */
#ifndef NICGUARD_WATCH_H
#define NICGUARD_WATCH_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>

#include "nicguard.h"

#define EVENTS_KEPT 64
#define LOOKUPS 8

/* What one kind of record resolved to: a flood of identical hang lines (seed 004) costs one
 * sysfs walk a second, not one per line. */
struct lookup {
	char key[160];
	uint64_t at;
	char ifname[NG_IFNAMSIZ];
	char why[sizeof(((struct ng_err *)0)->msg)]; /* why no interface was found */
	struct ng_watch_opts o;
	bool backup;
	struct ng_txprogress progress;	/* sampled with the lookup: the detection's baseline */
};

struct daemon {
	struct ng_ctx *ctx;
	struct ng_policy *p;
	struct ng_watch *w;
	struct ng_kmsgsrc *src;
	struct ng_watch_opts opts;	/* daemon-wide */
	char kmsg_path[PATH_MAX];
	char notify[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int sfd;
	bool dry_run, scan, backlog;
	uint64_t detections, actions;
	struct ng_watch_event ev[EVENTS_KEPT];
	size_t nev;
	bool events_dirty, metrics_dirty, metrics_failed, have_prev;
	uint64_t next_sample, last_metrics;
	struct ng_metrics_sample prev;
	struct lookup lk[LOOKUPS];
	unsigned lk_next;
	struct ng_history *hist;	/* the event history's writer; NULL in a dry run */
	bool hist_full, hist_failed;
	struct ng_recoverstep step;	/* what the last bounce or rebind put back */
	struct probe_port *probes;	/* the reachability probe's ports */
	size_t nprobes;
	uint64_t next_probe;		/* UINT64_MAX: no probe configured */
	bool probe_failed;		/* the last round could not read the ports: said once */
	int watchdog_fd;		/* reboot-watchdog once armed: kept open, never written */
};

/* watch-act.c: from a record to a decision and an action, each logged. */
uint64_t watch_now_ms(void);
/* Keep the last EVENTS_KEPT detections and actions for the events file and the metrics. */
void watch_add_event(struct daemon *dm, const char *sig, const char *ifname, const char *action,
		     const char *detail);
/* The probe found ifname silent (note: what it saw): the same decision path as a record. */
void watch_probe_detected(struct daemon *dm, const char *ifname, const char *note);
void watch_load_policy(struct daemon *dm);
void watch_on_record(void *data, const struct ng_kmsgsrc_event *ev);
void watch_run_due(struct daemon *dm, uint64_t now);
/* At start-up: finish the restores a crash between a step and its restore left. */
void watch_finish_restores(struct daemon *dm);

/* watch-history.c: the daemon's entries in the event history. An event (a detection, or
 * an action carried out: action true) is queued and written with the next flush, after
 * the action; a sample adds the drop counters and sysctl changes; flush writes the queue
 * and logs a failure once per streak. */
void watch_history_event(struct daemon *dm, const char *sig, const char *ifname, bool action,
			 const char *what, const char *detail);
void watch_history_sample(struct daemon *dm, const struct ng_metrics_sample *s);
void watch_history_flush(struct daemon *dm);
/* The history's gauges for the metrics (last hang, hangs since the last change) into s. */
void watch_history_gauges(struct daemon *dm, struct ng_metrics_sample *s);

/* watch-probe.c: the reachability probe's rounds, one wakeup each: read the answers to the
 * last round's requests, count them (ng_probe_note), raise silent hangs, send the next.
 * Nothing happens (no round, no socket) unless a [watch] section sets probe. */
struct probe_port {
	struct ng_probe_target t;
	int fd;				/* -1: none (nothing to ask, or it could not open) */
	bool sent, sent_link_ok;	/* a request of the last round, and the link then */
	struct ng_probe_state st;
	char said[256];			/* the last line said about what it probes */
	bool open_failed;		/* said once, until a socket opens */
	bool seen;
};

void watch_probe_setup(struct daemon *dm);	/* after the policy is (re)loaded */
void watch_probe_round(struct daemon *dm, uint64_t now);
/* A step of the ladder's last rung was taken for a silent hang on ifname. */
void watch_probe_last_rung(struct daemon *dm, const char *ifname);
void watch_probe_stop(struct daemon *dm);

/* watch-loop.c: setup, the poll loop (records, signals, held steps, state files), teardown.
 * watch_setup and watch_loop return 0, or -1 after logging why. */
int watch_setup(struct daemon *dm, const struct ng_ctx_opts *co, const char *kmsg,
		const char *notify_socket);
int watch_loop(struct daemon *dm);
void watch_stop(struct daemon *dm, int r);

#endif
