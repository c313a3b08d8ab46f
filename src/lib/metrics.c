/* SPDX-License-Identifier: GPL-2.0-or-later */
/* metrics.c: nicguard-watch's counters in Prometheus text format; softnet and drop samples. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

int ng_softnet_parse(const char *buf, size_t len, struct ng_softnet *sum, unsigned *rows)
{
	const char *p = buf, *end = buf + len;

	memset(sum, 0, sizeof(*sum));
	*rows = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		uint64_t col[3] = { 0 };
		unsigned ncol = 0;
		bool bad = false;

		/* Columns by position: 1 processed, 2 dropped, 3 time_squeeze; newer kernels
		 * add more, older ones had fewer zero columns. Only the first three count. */
		while (p < le && ncol < 3) {
			uint64_t v = 0;
			const char *s;

			while (p < le && (*p == ' ' || *p == '\t'))
				p++;
			s = p;
			while (p < le && *p != ' ' && *p != '\t') {
				int h = *p >= '0' && *p <= '9' ? *p - '0' :
					*p >= 'a' && *p <= 'f' ? *p - 'a' + 10 :
					*p >= 'A' && *p <= 'F' ? *p - 'A' + 10 : -1;

				if (h < 0 || p - s >= 16)
					bad = true;
				v = v << 4 | (uint64_t)(h & 15);
				p++;
			}
			if (p > s)
				col[ncol++] = v;
		}
		if (ncol == 3 && !bad) {
			sum->processed += col[0];
			sum->dropped += col[1];
			sum->squeezed += col[2];
			(*rows)++;
		}
		p = nl ? nl + 1 : end;
	}
	return *rows ? 0 : -EINVAL;
}

static bool wanted_kind(enum ng_kind k)
{
	return k == NG_KIND_PHYSICAL || k == NG_KIND_BRIDGE || k == NG_KIND_BOND;
}

int ng_metrics_sample(const struct ng_ctx *ctx, uint64_t now_ms, struct ng_metrics_sample *s,
		      struct ng_err *err)
{
	char path[PATH_MAX], *buf;
	struct ng_iface *ifs = NULL;
	size_t len, n = 0;
	int r;

	memset(s, 0, sizeof(*s));
	s->at_ms = now_ms;
	if (ng_path(ctx, path, sizeof(path), "/proc/net/softnet_stat") == 0 &&
	    ng_read_file(path, false, 1 << 20, &buf, &len) == 0) {
		s->softnet_ok = ng_softnet_parse(buf, len, &s->softnet, &s->ncpus) == 0;
		free(buf);
	}
	r = ng_iface_list(ctx, &ifs, &n, err);
	if (r < 0)
		return r;
	s->ifs = calloc(n ? n : 1, sizeof(*s->ifs));
	if (!s->ifs) {
		free(ifs);
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		struct ng_metrics_if *m = &s->ifs[s->nifs];
		char *end;

		if (!wanted_kind(ifs[i].kind) ||
		    ng_path(ctx, path, sizeof(path), "/sys/class/net/%s/statistics/rx_dropped",
			    ifs[i].name) < 0 ||
		    ng_read_file(path, false, 64, &buf, NULL) < 0)
			continue;
		m->rx_dropped = strtoull(buf, &end, 10);
		if (end != buf) {
			snprintf(m->ifname, sizeof(m->ifname), "%s", ifs[i].name);
			s->nifs++;
		}
		free(buf);
	}
	free(ifs);
	return 0;
}

int ng_metrics_history(const struct ng_ctx *ctx, int64_t now, struct ng_metrics_sample *s,
		       struct ng_err *err)
{
	struct ng_histreport r;
	struct ng_hist h;
	int e = ng_history_read(ctx, &h, err);

	if (e < 0)
		return e;
	/* One day: only the answers over the whole history are used, not the days. */
	e = ng_histreport_make(&h, now, 1, NULL, 0, &r);
	ng_hist_free(&h);
	if (e < 0)
		return ng_err_set(err, e, NULL, 0, "out of memory");
	free(s->hist);
	s->nhist = 0;
	s->hist = calloc(r.n ? r.n : 1, sizeof(*s->hist));
	if (!s->hist) {
		ng_histreport_free(&r);
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	}
	for (size_t i = 0; i < r.n; i++) {
		const struct ng_histreport_if *ri = &r.v[i];
		struct ng_metrics_hist *m = &s->hist[s->nhist];

		/* A guest's tap or veth comes and goes with the guest: a series per guest device
		 * only when it hung, as in the cluster summary. */
		if (!ri->ifname[0] || (!ri->last_hang && (!ri->since ||
							  ng_hist_guest_dev(ri->ifname))))
			continue;
		snprintf(m->ifname, sizeof(m->ifname), "%s", ri->ifname);
		m->last_hang = ri->last_hang;
		m->since = ri->since;
		m->hangs_since = ri->hangs_since;
		s->nhist++;
	}
	ng_histreport_free(&r);
	s->hist_ok = true;
	return 0;
}

void ng_metrics_sample_free(struct ng_metrics_sample *s)
{
	free(s->hist);
	free(s->ifs);
	memset(s, 0, sizeof(*s));
}

/* Label values: interface names are checked, but escape as the format asks anyway. */
static void label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void per_iface(FILE *f, const struct ng_watch *w, const char *name, const char *type,
		      const char *help, int what)
{
	head(f, name, type, help);
	for (size_t i = 0; i < ng_watch_nstats(w); i++) {
		const struct ng_watch_stats *st = ng_watch_stats_at(w, i);

		for (int k = 0; k < (what == 0 ? NG_SIG_CLASS_MAX : what == 1 ? NG_STEP_MAX : 1);
		     k++) {
			uint64_t v;

			if (what == 1 && k <= NG_STEP_LOG)
				continue;
			fprintf(f, "%s{interface=\"", name);
			label(f, st->ifname);
			if (what == 0)
				fprintf(f, "\",class=\"%s\"} ", ng_sig_class_name(k));
			else if (what == 1)
				fprintf(f, "\",action=\"%s\"} ", ng_watch_step_name(k));
			else
				fputs("\"} ", f);
			v = what == 0 ? st->events[k] : what == 1 ? st->actions[k] :
			    what == 2 ? st->failed : what == 3 ? st->suppressed :
			    (uint64_t)(st->last_event > 0 ? st->last_event : 0);
			fprintf(f, "%" PRIu64 "\n", v);
		}
	}
}

static const struct ng_metrics_if *find_if(const struct ng_metrics_sample *s, const char *name)
{
	for (size_t i = 0; s && i < s->nifs; i++)
		if (strcmp(s->ifs[i].ifname, name) == 0)
			return &s->ifs[i];
	return NULL;
}

static void samples(FILE *f, const struct ng_metrics_sample *cur,
		    const struct ng_metrics_sample *prev)
{
	double dt = 0;

	if (prev && cur->at_ms > prev->at_ms)
		dt = (double)(cur->at_ms - prev->at_ms) / 1000;

	head(f, "nicguard_rx_dropped_total", "counter",
	     "Received packets the interface dropped (statistics/rx_dropped).");
	for (size_t i = 0; i < cur->nifs; i++) {
		fputs("nicguard_rx_dropped_total{interface=\"", f);
		label(f, cur->ifs[i].ifname);
		fprintf(f, "\"} %" PRIu64 "\n", cur->ifs[i].rx_dropped);
	}
	head(f, "nicguard_rx_dropped_per_second", "gauge",
	     "rx_dropped rate over the last sampling interval.");
	for (size_t i = 0; dt > 0 && i < cur->nifs; i++) {
		const struct ng_metrics_if *p = find_if(prev, cur->ifs[i].ifname);

		if (!p || p->rx_dropped > cur->ifs[i].rx_dropped)
			continue;
		fputs("nicguard_rx_dropped_per_second{interface=\"", f);
		label(f, cur->ifs[i].ifname);
		fprintf(f, "\"} %.3f\n", (double)(cur->ifs[i].rx_dropped - p->rx_dropped) / dt);
	}
	if (!cur->softnet_ok)
		return;
	head(f, "nicguard_softnet_dropped_total", "counter",
	     "Packets dropped because a CPU's backlog was full (softnet_stat column 2).");
	fprintf(f, "nicguard_softnet_dropped_total %" PRIu64 "\n", cur->softnet.dropped);
	head(f, "nicguard_softnet_time_squeeze_total", "counter",
	     "Times net_rx_action ran out of budget (softnet_stat column 3).");
	fprintf(f, "nicguard_softnet_time_squeeze_total %" PRIu64 "\n", cur->softnet.squeezed);
	if (dt > 0 && prev && prev->softnet_ok && prev->softnet.dropped <= cur->softnet.dropped &&
	    prev->softnet.squeezed <= cur->softnet.squeezed) {
		head(f, "nicguard_softnet_dropped_delta", "gauge",
		     "softnet drops since the previous sample.");
		fprintf(f, "nicguard_softnet_dropped_delta %" PRIu64 "\n",
			cur->softnet.dropped - prev->softnet.dropped);
		head(f, "nicguard_softnet_time_squeeze_delta", "gauge",
		     "softnet time squeezes since the previous sample.");
		fprintf(f, "nicguard_softnet_time_squeeze_delta %" PRIu64 "\n",
			cur->softnet.squeezed - prev->softnet.squeezed);
		head(f, "nicguard_sample_interval_seconds", "gauge",
		     "Seconds between the two samples the deltas and rates compare.");
		fprintf(f, "nicguard_sample_interval_seconds %.3f\n", dt);
	}
}

/* The history's gauges: seconds since the epoch, 0 for none, as the watch's last event. */
static void history(FILE *f, const struct ng_metrics_sample *cur)
{
	static const struct {
		const char *name, *help;
	} g[] = {
		{ "nicguard_history_last_hang_timestamp_seconds",
		  "Time of the interface's last hang in the history (0: none recorded)." },
		{ "nicguard_history_settings_changed_timestamp_seconds",
		  "Time the interface's settings last changed (0: no change recorded)." },
		{ "nicguard_history_hangs_since_change",
		  "Hang episodes since the interface's settings last changed (all recorded ones "
		  "when no change is)." },
	};

	for (size_t k = 0; k < NG_ARRAY_SIZE(g); k++) {
		head(f, g[k].name, "gauge", g[k].help);
		for (size_t i = 0; i < cur->nhist; i++) {
			const struct ng_metrics_hist *m = &cur->hist[i];

			fprintf(f, "%s{interface=\"", g[k].name);
			label(f, m->ifname);
			if (k == 2)
				fprintf(f, "\"} %.6g\n", m->hangs_since);
			else
				fprintf(f, "\"} %" PRId64 "\n", k == 0 ? m->last_hang : m->since);
		}
	}
}

int ng_metrics_render(const struct ng_watch *w, const struct ng_watch_counters *c,
		      const struct ng_metrics_sample *cur, const struct ng_metrics_sample *prev,
		      char **text, size_t *len)
{
	FILE *f = open_memstream(text, len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "%s\n", NG_MARKER);
	per_iface(f, w, "nicguard_watch_events_total", "counter",
		  "Kernel log detections per interface (\"\": the host) and class.", 0);
	per_iface(f, w, "nicguard_watch_actions_total", "counter",
		  "Recovery actions carried out per interface and action.", 1);
	per_iface(f, w, "nicguard_watch_action_failures_total", "counter",
		  "Recovery actions that failed.", 2);
	per_iface(f, w, "nicguard_watch_repeats_total", "counter",
		  "Identical repeats of a detection, debounced.", 3);
	per_iface(f, w, "nicguard_watch_last_event_timestamp_seconds", "gauge",
		  "Time of the last detection.", 4);
	head(f, "nicguard_watch_records_total", "counter", "Kernel log records read.");
	fprintf(f, "nicguard_watch_records_total %" PRIu64 "\n", c->records);
	head(f, "nicguard_watch_records_lost_total", "counter",
	     "Records overwritten before they were read (EPIPE, sequence gaps).");
	fprintf(f, "nicguard_watch_records_lost_total %" PRIu64 "\n", c->lost);
	head(f, "nicguard_watch_records_skipped_total", "counter",
	     "Records too large or not parseable.");
	fprintf(f, "nicguard_watch_records_skipped_total %" PRIu64 "\n", c->skipped);
	if (cur)
		samples(f, cur, prev);
	if (cur && cur->hist_ok)
		history(f, cur);
	if (fclose(f) != 0) {
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	return 0;
}

int ng_metrics_write(const struct ng_ctx *ctx, const char *file, const char *text, size_t len,
		     struct ng_err *err)
{
	char path[PATH_MAX];

	if (ng_path(ctx, path, sizeof(path), "%s", file) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	/* node_exporter runs as its own user: the file must be world-readable. */
	return ng_atomic_write_owned(path, text, len, 0644, err);
}
