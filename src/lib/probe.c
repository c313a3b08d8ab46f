/* SPDX-License-Identifier: GPL-2.0-or-later */
/* probe.c: what the reachability probe's rounds say about one port (pure): a silent hang
 * after failures in a row, and when to stop blaming the port for an outage beyond it. */
#include "nicguard.h"
#include "internal.h"

enum ng_probe_say ng_probe_note(struct ng_probe_state *s, enum ng_probe_outcome out,
				unsigned failures)
{
	bool outage;

	if (failures == 0)
		failures = 1;
	outage = s->raised || s->far_side || s->streak >= failures;
	switch (out) {
	case NG_PROBE_ANSWERED:
		*s = (struct ng_probe_state){ 0 };
		return outage ? NG_PROBE_BACK : NG_PROBE_QUIET;
	case NG_PROBE_NO_LINK:
		/* The kernel knows a link that is down: not a silent hang. A bounce takes the
		 * link down too; counting starts again once it is back. */
		s->streak = 0;
		return NG_PROBE_QUIET;
	case NG_PROBE_UNANSWERED:
		break;
	}
	s->streak++;
	if (s->far_side || s->streak % failures)
		return NG_PROBE_QUIET;
	/* Every step of the ladder was taken and the far side still does not answer: the
	 * outage is not this port's (a gateway down for everyone). */
	if (s->last_rung) {
		s->far_side = true;
		return NG_PROBE_FAR_SIDE;
	}
	s->raised++;
	return NG_PROBE_SILENT;
}
