// SPDX-License-Identifier: GPL-2.0-only
/*
 * The [irqbalance] backend: banned_cpus, one knob, irqbalance:banned_cpus,
 * whose value is the CPU list irqbalance keeps interrupts off ("2-7"), or
 * "none" when perfagent's drop-in is absent (irqbalance.h has the service
 * side: the drop-in, whose value wins, the restart).
 *
 *   rps      the CPUs the plan's RPS knobs spread receive work to, less the
 *            CPUs that take any of those interfaces' interrupts (with several
 *            interfaces one's RPS CPUs may be another's interrupt CPUs; those
 *            stay with irqbalance). Derived once the plan is expanded (knob.h).
 *            AWS's ENA best practices: keep irqbalance, ban the RPS CPUs,
 *            else it moves interrupts onto them and RPS loses its point.
 *   none     no drop-in
 *   a list   those CPUs
 *
 * Setting the variable replaces irqbalance's own default ban, the isolated
 * and nohz_full CPUs: they are added to every list. A list that would ban
 * every online CPU is not applicable.
 *
 * read gives what the drop-in holds ("none" when there is none); the
 * original it records is the file's bytes, or "none". write takes a value
 * (a list: the drop-in is generated; "none": it is removed) or an original
 * (written back byte for byte), then has systemd reload and irqbalance
 * restart; when that fails the drop-in is put back as it was, so that the
 * file never says what irqbalance does not do. A file holding just "none"
 * or a bare CPU list at the drop-in's path would be read back as that
 * value, not as text: systemd would not take it as a drop-in anyway.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/jsonutil.h"
#include "core/log.h"
#include "core/util.h"
#include "net/nic_cpus.h"
#include "tune/irqbalance.h"
#include "tune/knob.h"

#define DERIVE_RPS "rps"        /* want until derive() replaces it */

/* A CPU list file under the sysroot; empty when absent, blank or "(null)". */
static void cpus_file(const struct pa_paths *paths, const char *host, struct cpu_mask *m)
{
	char path[PATH_MAX], line[4096];

	cpu_mask_clear(m);
	if (paths_sys(paths, path, sizeof(path), host) ||
	    util_read_line(path, line, sizeof(line)) <= 0 || cpu_mask_parse_list(line, m))
		cpu_mask_clear(m);
}

static void mask_or(struct cpu_mask *a, const struct cpu_mask *b)
{
	for (size_t i = 0; i < ARRAY_SIZE(a->w); i++)
		a->w[i] |= b->w[i];
}

/* Sets the knob to ban m plus irqbalance's default ban, or skips it; why ends the note. */
static void ban(const struct pa_paths *paths, struct knob *k, struct cpu_mask *m,
		const char *why)
{
	struct cpu_mask dflt, nohz, online, left;
	char list[KNOB_WANT_MAX], extra[64] = "";

	cpus_file(paths, "/sys/devices/system/cpu/isolated", &dflt);
	cpus_file(paths, "/sys/devices/system/cpu/nohz_full", &nohz);
	mask_or(&dflt, &nohz);
	for (size_t i = 0; i < ARRAY_SIZE(left.w); i++)
		left.w[i] = dflt.w[i] & ~m->w[i];
	if (!cpu_mask_empty(&left) && cpu_mask_format_list(&left, extra, sizeof(extra)))
		strcpy(extra, "many");
	mask_or(m, &dflt);
	if (cpu_mask_format_list(m, list, sizeof(list))) {
		snprintf(k->skip, sizeof(k->skip), "not applicable: the CPU list is longer than a "
			 "knob value");
		return;
	}
	if (!nic_online_cpus(paths, &online)) {
		for (size_t i = 0; i < ARRAY_SIZE(online.w); i++)
			online.w[i] &= ~m->w[i];
		if (cpu_mask_empty(&online)) {
			snprintf(k->skip, sizeof(k->skip), "not applicable: banning CPUs %.64s would "
				 "leave irqbalance no online CPU", list);
			return;
		}
	}
	snprintf(k->want, sizeof(k->want), "%s", list);
	snprintf(k->note, sizeof(k->note), "%s%s%s%s", why, extra[0] ? (why[0] ? "; " : "") : "",
		 extra[0] ? "isolated and nohz_full CPUs, irqbalance's default, kept: " : "",
		 extra);
}

static int irqb_expand(const struct pa_paths *paths, const struct profile_value *pv,
		       struct knob_list *out)
{
	struct knob *k = knob_new(out, pv, NULL);
	struct irqb_service s;
	struct cpu_mask m;

	if (!k)
		return -ENOMEM;
	if (k->skip[0])
		return 0;
	irqb_service_read(paths, &s);
	if (strcmp(pv->key, "banned_cpus"))
		snprintf(k->skip, sizeof(k->skip), "not applicable: no [irqbalance] setting named "
			 "'%.64s'", pv->key);
	else if (!s.unit[0])
		snprintf(k->skip, sizeof(k->skip), "not applicable: irqbalance is not installed "
			 "(no %s unit)", IRQB_UNIT);
	else if (s.masked)
		snprintf(k->skip, sizeof(k->skip), "not applicable: %s is masked", IRQB_UNIT);
	else if (!s.systemd)
		snprintf(k->skip, sizeof(k->skip), "not applicable: systemd does not run this host "
			 "(no /run/systemd/system), and the banned CPUs go in a drop-in for %s",
			 IRQB_UNIT);
	else if (s.admin[0])
		snprintf(k->skip, sizeof(k->skip), "not applicable: %.128s (the administrator's "
			 "setting: not overridden)", s.admin);
	if (k->skip[0])
		return 0;
	snprintf(k->path, sizeof(k->path), "%s", IRQB_DROPIN);
	if (!strcmp(pv->value, DERIVE_RPS) || !strcmp(pv->value, "none"))
		snprintf(k->want, sizeof(k->want), "%s", pv->value);
	else if (cpu_mask_parse_list(pv->value, &m) || cpu_mask_empty(&m))
		snprintf(k->skip, sizeof(k->skip), "not a CPU list: %.64s", pv->value);
	else
		ban(paths, k, &m, "");
	if (k->skip[0])
		k->path[0] = '\0';
	return 0;
}

/* The CPUs the planned RPS knobs spread to, less their interfaces' interrupt CPUs. */
static void irqb_derive(const struct pa_paths *paths, struct knob *k,
			const struct knob *const *planned, size_t n)
{
	struct cpu_mask rps, irq, one;
	char ifname[64], last[64] = "", ifs[96] = "", why[KNOB_SKIP_MAX];
	size_t off = 0;

	if (strcmp(k->want, DERIVE_RPS))
		return;
	cpu_mask_clear(&rps);
	cpu_mask_clear(&irq);
	for (size_t i = 0; i < n; i++) {
		if (!knob_is_rps(planned[i], ifname, sizeof(ifname)) ||
		    cpu_mask_parse_hex(planned[i]->want, &one) || cpu_mask_empty(&one))
			continue;
		mask_or(&rps, &one);
		if (!strcmp(ifname, last))
			continue;   /* the queues of one interface come together */
		strcpy(last, ifname);
		nic_irq_cpus(paths, ifname, &one);
		mask_or(&irq, &one);
		if (off < sizeof(ifs))
			off += (size_t)snprintf(ifs + off, sizeof(ifs) - off, "%s%s", off ? ", " : "",
						ifname);
	}
	for (size_t i = 0; i < ARRAY_SIZE(rps.w); i++)
		rps.w[i] &= ~irq.w[i];
	if (!last[0]) {
		snprintf(k->skip, sizeof(k->skip), "not applicable: no RPS knob of this plan spreads "
			 "receive work (rps = auto, where the vCPUs outnumber an interface's "
			 "receive queues)");
	} else if (cpu_mask_empty(&rps)) {
		snprintf(k->skip, sizeof(k->skip), "not applicable: every CPU that RPS spreads %.64s "
			 "to takes interrupts of one of them", ifs);
	} else {
		snprintf(why, sizeof(why), "the RPS CPUs of %.96s, their interrupt CPUs left to "
			 "irqbalance", ifs);
		ban(paths, k, &rps, why);
	}
	if (k->skip[0]) {
		k->want[0] = '\0';
		k->path[0] = '\0';
	}
}

/* A knob value ("none", a CPU list) in canonical form; false when s is not one. */
static bool value_form(const char *s, char *out, size_t size, struct cpu_mask *m)
{
	char word[KNOB_VALUE_MAX];

	cpu_mask_clear(m);
	if (knob_normalise(s, false, word, sizeof(word)) || !word[0])
		return false;
	if (!strcmp(word, "none"))
		return !util_join(out, size, "none");
	return !cpu_mask_parse_list(word, m) && !cpu_mask_empty(m) &&
	       !cpu_mask_format_list(m, out, size);
}

/* What a drop-in's text, or a value, bans: "none" or a CPU list. */
static int irqb_normalise(const char *raw, char *out, size_t size)
{
	struct cpu_mask m;
	int ret;

	if (value_form(raw, out, size, &m))
		return 0;
	ret = irqb_dropin_parse(raw, &m);
	if (ret)
		return ret;
	if (cpu_mask_empty(&m))
		return util_join(out, size, "none") ? -E2BIG : 0;
	return cpu_mask_format_list(&m, out, size) ? -E2BIG : 0;
}

static int dropin_path(const struct pa_paths *paths, char *buf, size_t size)
{
	return paths_sys(paths, buf, size, IRQB_DROPIN);
}

static int irqb_read(const struct pa_paths *paths, const struct knob *k, struct knob_value *v)
{
	char path[PATH_MAX], *raw = NULL;
	ssize_t len;
	int ret;

	(void)k;    /* the drop-in's path is fixed, whatever a journal says */
	v->norm[0] = '\0';
	v->original = NULL;
	ret = dropin_path(paths, path, sizeof(path));
	if (ret)
		return ret;
	len = util_read_file(path, IRQB_FILE_MAX, &raw);
	if (len == -ENOENT || len == -ENOTDIR) {
		strcpy(v->norm, "none");
		v->original = strdup("none");
		return v->original ? 0 : -ENOMEM;
	}
	if (len < 0)
		return (int)len;
	/* Only bytes the journal can keep as the original (knob_file_read()). */
	ret = json_lines_clean(raw, (size_t)len) ? irqb_normalise(raw, v->norm, sizeof(v->norm)) :
						   -EILSEQ;
	if (ret) {
		free(raw);
		v->norm[0] = '\0';
		return ret;
	}
	v->original = raw;
	return 0;
}

/* Writes text as the drop-in (atomically), or removes it when text is NULL. */
static int put(const struct pa_paths *paths, const char *text)
{
	char path[PATH_MAX], dir[PATH_MAX];
	/* The link itself, if one is there: unlink and rename replace it. */
	int ret = paths_sys_link(paths, path, sizeof(path), IRQB_DROPIN);

	if (!ret)
		ret = paths_sys(paths, dir, sizeof(dir), IRQB_DROPIN_DIR);
	if (ret)
		return ret;
	if (!text) {
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
		rmdir(dir);     /* only when empty: another drop-in stays */
		return 0;
	}
	ret = util_mkdir_p(dir, 0755);
	if (!ret)
		util_remove_stale_temps(dir);
	return ret ? ret : util_write_atomic(path, text, strlen(text), 0644);
}

/* The drop-in for data: generated for a value, data itself for an original. */
static int content_for(const struct pa_paths *paths, const char *data, char **text)
{
	char canon[KNOB_VALUE_MAX], buf[2048];
	struct irqb_service s;
	struct cpu_mask m;
	int ret;

	*text = NULL;
	if (!value_form(data, canon, sizeof(canon), &m))
		return (*text = strdup(data)) ? 0 : -ENOMEM;
	if (!strcmp(canon, "none"))
		return 0;
	irqb_service_read(paths, &s);
	ret = irqb_dropin_format(&m, s.cpulist, buf, sizeof(buf));
	if (ret)
		return ret;
	return (*text = strdup(buf)) ? 0 : -ENOMEM;
}

static int irqb_write(const struct pa_paths *paths, const struct knob *k, const char *data)
{
	char path[PATH_MAX], err[256], again[256], *old = NULL, *text;
	ssize_t len;
	int ret;

	(void)k;
	ret = dropin_path(paths, path, sizeof(path));
	if (!ret)
		ret = content_for(paths, data, &text);
	if (ret)
		return ret;
	len = util_read_file(path, IRQB_FILE_MAX, &old);
	if (len < 0 && len != -ENOENT && len != -ENOTDIR) {
		free(text);
		return (int)len;
	}
	ret = put(paths, text);
	if (!ret && (ret = irqb_restart(paths, true, err, sizeof(err)))) {
		/* Never a drop-in that says what irqbalance was not told; the
		 * restart did not happen, so systemd only reloads it again. */
		put(paths, old);
		again[0] = '\0';
		irqb_restart(paths, false, again, sizeof(again));
		log_warn("irqbalance: %s; %s is put back as it was%s%s", err, IRQB_DROPIN,
			 again[0] ? ", then: " : "", again);
	}
	free(old);
	free(text);
	return ret;
}

/* Messages name the drop-in and what follows it; systemctl's own words are logged. */
static const char *irqb_where(const struct knob *k, char *buf, size_t size)
{
	(void)k;
	return util_join(buf, size, "%s (then systemctl daemon-reload, try-restart %s)",
			 IRQB_DROPIN, IRQB_UNIT) ? NULL : buf;
}

const struct knob_backend knob_irqbalance_backend = {
	.kind = KNOB_IRQBALANCE,
	.name = "irqbalance",
	.expand = irqb_expand,
	.read = irqb_read,
	.write = irqb_write,
	.where = irqb_where,
	.derive = irqb_derive,
	.normalise = irqb_normalise,
};
