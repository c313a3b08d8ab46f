/* SPDX-License-Identifier: GPL-2.0-or-later */
/* watch-probe.c: nicguard-watch's reachability probe: a round every probe-interval reads the
 * answers to the last round's ARP requests (or IPv6 neighbour solicitations), counts them
 * per port, and sends the next. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nicguard.h"
#include "log.h"
#include "watch.h"

static const char *addr_text(uint32_t a, char *buf, size_t len)
{
	struct in_addr in = { .s_addr = a };

	return inet_ntop(AF_INET, &in, buf, (socklen_t)len) ? buf : "?";
}

/* "192.0.2.1" or "192.0.2.1, 192.0.2.9", or the IPv6 gateway: "fe80::1" */
static const char *asked(const struct ng_probe_target *t, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	if (t->v6)
		return inet_ntop(AF_INET6, t->tip6, buf, (socklen_t)len) ? buf : "?";
	for (size_t i = 0; i < t->ntips && o < len; i++) {
		char a[INET_ADDRSTRLEN];

		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "",
				      addr_text(t->tips[i], a, sizeof(a)));
	}
	return buf;
}

static void close_port(struct probe_port *pp)
{
	if (pp->fd >= 0)
		close(pp->fd);
	pp->fd = -1;
}

void watch_probe_stop(struct daemon *dm)
{
	for (size_t i = 0; i < dm->nprobes; i++)
		close_port(&dm->probes[i]);
	free(dm->probes);
	dm->probes = NULL;
	dm->nprobes = 0;
	dm->next_probe = UINT64_MAX;
}

void watch_probe_setup(struct daemon *dm)
{
	if (!ng_watch_probe_wanted(dm->p)) {
		if (dm->nprobes)
			ng_log(LOG_INFO, "probe: no longer configured; not probing");
		watch_probe_stop(dm);
		return;
	}
	dm->next_probe = watch_now_ms();	/* what to probe is read at each round */
}

static struct probe_port *find(struct daemon *dm, const char *port)
{
	for (size_t i = 0; i < dm->nprobes; i++)
		if (strcmp(dm->probes[i].t.port, port) == 0)
			return &dm->probes[i];
	return NULL;
}

static struct probe_port *add(struct daemon *dm, const struct ng_probe_target *t)
{
	struct probe_port *v = realloc(dm->probes, (dm->nprobes + 1) * sizeof(*v));

	if (!v)
		return NULL;
	dm->probes = v;
	v += dm->nprobes++;
	memset(v, 0, sizeof(*v));
	v->t = *t;
	v->fd = -1;
	return v;
}

/* What the port is probed for, said when it starts and whenever it changes. */
static void say_aim(struct probe_port *pp, uint64_t interval_ms)
{
	const struct ng_probe_target *t = &pp->t;
	char line[sizeof(pp->said)], list[80], src[INET6_ADDRSTRLEN], tag[24] = "";

	if (t->vlan)
		snprintf(tag, sizeof(tag), " tagged VLAN %u", t->vlan);
	if (!t->ntips)
		snprintf(line, sizeof(line), "nothing to probe (%s)", t->why);
	else
		snprintf(line, sizeof(line), "%s%s for %s%s%s every %llu s from %s, %u unanswered "
			 "in a row with the link up is a silent hang", t->v6 ? "NDP" : "ARP", tag,
			 asked(t, list, sizeof(list)),
			 t->gateway ? ", the default gateway through " : "",
			 t->gateway ? t->via : "", (unsigned long long)(interval_ms / 1000),
			 t->v6 ? inet_ntop(AF_INET6, t->sip6, src, sizeof(src)) :
			 t->sip ? addr_text(t->sip, src, sizeof(src)) : "0.0.0.0", t->failures);
	if (strcmp(line, pp->said) == 0)
		return;
	snprintf(pp->said, sizeof(pp->said), "%s", line);
	ng_log(LOG_INFO, "probe on %s: %s", t->port, line);
}

static bool same_aim(const struct ng_probe_target *a, const struct ng_probe_target *b)
{
	return a->ifindex == b->ifindex && a->ntips == b->ntips && a->vlan == b->vlan &&
	       a->v6 == b->v6 && memcmp(a->tip6, b->tip6, sizeof(a->tip6)) == 0 &&
	       memcmp(a->tips, b->tips, sizeof(a->tips[0]) * a->ntips) == 0;
}

/* Count the answer (or none) to the last round's request, and act on what it says. */
static void judge(struct daemon *dm, struct probe_port *pp, bool link_ok)
{
	char list[80], note[320];
	int got = pp->fd >= 0 ? ng_probe_read(pp->fd, &pp->t) : 0;
	bool credit = pp->st.raised && !pp->st.far_side;
	unsigned streak = pp->st.streak;
	enum ng_probe_outcome out = got > 0 ? NG_PROBE_ANSWERED :
				    pp->sent_link_ok && link_ok ? NG_PROBE_UNANSWERED :
				    NG_PROBE_NO_LINK;

	asked(&pp->t, list, sizeof(list));
	switch (ng_probe_note(&pp->st, out, pp->t.failures)) {
	case NG_PROBE_SILENT:
		snprintf(note, sizeof(note), "%u %s for %s unanswered in a row, link up, "
			 "carrier on", pp->st.streak, pp->t.v6 ? "neighbour solicitations" :
			 "ARP requests", list);
		watch_probe_detected(dm, pp->t.port, note);
		break;
	case NG_PROBE_FAR_SIDE:
		snprintf(note, sizeof(note), "%s still unanswered after every step of the ladder: "
			 "taken as an outage beyond the port (the gateway down for everyone?); no "
			 "further action until it answers", list);
		ng_log(LOG_WARNING, "probe on %s: %s", pp->t.port, note);
		watch_add_event(dm, NG_SIG_SILENT, pp->t.port, "far-side", note);
		watch_history_event(dm, NG_SIG_SILENT, pp->t.port, true, "far-side", note);
		break;
	case NG_PROBE_BACK:
		snprintf(note, sizeof(note), "%s answers again after %u unanswered%s", list, streak,
			 credit ? "" : " (an outage beyond the port ended)");
		ng_log(LOG_INFO, "probe on %s: %s", pp->t.port, note);
		watch_add_event(dm, NG_SIG_SILENT, pp->t.port, "answered", note);
		ng_watch_recovered(dm->w, pp->t.port, credit);
		break;
	case NG_PROBE_QUIET:
		break;
	}
}

/* Send this round's request on pp (opening its socket when the aim is new). */
static void send_next(struct probe_port *pp)
{
	struct ng_err err = { 0 };

	pp->sent = pp->sent_link_ok = false;
	if (!pp->t.ntips)
		return;
	if (pp->fd < 0) {
		pp->fd = ng_probe_open(&pp->t, &err);
		if (pp->fd < 0) {
			/* Said once per port until it works. */
			if (!pp->open_failed)
				ng_log(LOG_ERR, "probe on %s: %s; not probing it", pp->t.port,
				       err.msg);
			pp->open_failed = true;
			return;
		}
		pp->open_failed = false;
	}
	if (!pp->t.link_ok)
		return;
	if (ng_probe_send(pp->fd, &pp->t, &err) < 0) {
		ng_log(LOG_WARNING, "probe on %s: %s", pp->t.port, err.msg);
		return;
	}
	pp->sent = pp->sent_link_ok = true;
}

void watch_probe_round(struct daemon *dm, uint64_t now)
{
	struct ng_probe_target *t = NULL;
	struct ng_err err = { 0 };
	size_t n = 0;

	if (dm->next_probe > now)
		return;
	dm->next_probe = now + dm->opts.probe_interval_ms;
	if (ng_probe_targets(dm->ctx, dm->p, &t, &n, &err) < 0) {
		if (!dm->probe_failed)
			ng_log(LOG_WARNING, "probe: cannot read the ports: %s", err.msg);
		dm->probe_failed = true;
		return;
	}
	dm->probe_failed = false;
	for (size_t i = 0; i < dm->nprobes; i++)
		dm->probes[i].seen = false;
	for (size_t i = 0; i < n; i++) {
		struct probe_port *pp = find(dm, t[i].port);

		if (!pp && !(pp = add(dm, &t[i])))
			break;
		pp->seen = true;
		if (pp->sent || pp->st.streak)
			judge(dm, pp, t[i].link_ok && pp->t.ifindex == t[i].ifindex);
		if (!same_aim(&pp->t, &t[i]))
			close_port(pp);
		pp->t = t[i];
		say_aim(pp, dm->opts.probe_interval_ms);
		send_next(pp);
	}
	free(t);
	/* Ports gone (or no longer probed) go with their sockets. */
	for (size_t i = dm->nprobes; i-- > 0;) {
		if (dm->probes[i].seen)
			continue;
		close_port(&dm->probes[i]);
		dm->probes[i] = dm->probes[--dm->nprobes];
	}
}

void watch_probe_last_rung(struct daemon *dm, const char *ifname)
{
	struct probe_port *pp = find(dm, ifname);

	if (pp)
		pp->st.last_rung = true;
}
