// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tuning profiles: parse and validate one file, resolve its include chain
 * (printing and listing: profile_show.c).
 *
 * Resolving: the chain is flattened parent first; a child's value replaces
 * its parent's for the same (section, key) and every value keeps the file
 * and line that set it. A section's selectors merge the same way: a child's
 * [block] states its own devices (and kind), which then apply to every value
 * of that section, inherited ones included; an [ethtool] section inherits
 * drivers and interfaces one by one unless the child sets them. A different
 * group of devices is a new section: [block.NAME], [ethtool.NAME].
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "net/ethtool.h"
#include "tune/formula.h"
#include "tune/profile.h"
#include "core/util.h"

/* Bounds that keep a hostile file (or a fuzzer) from using much memory. */
#define PROFILE_MAX_VALUES 2048
#define PROFILE_MAX_SECTIONS 256

/* "match" is match.conf, the rules that pick a profile, not a profile. */
#define RESERVED_NAME "match"

#define OP_HINT ", optionally after '>' (only raise) or '<' (only lower)"

enum sect_type {
	ST_PROFILE,
	ST_SYSCTL,
	ST_VM,
	ST_BLOCK,
	ST_ETHTOOL,
	ST_PMQOS,
	ST_ADAPT,
	ST_IRQBALANCE,
};

/* Selectors of a [block*] or [ethtool*] section, as one file sets them. */
enum sel {
	SEL_DEVICES,    /* block: devices; ethtool: interfaces */
	SEL_KIND,       /* block: kind */
	SEL_DRIVERS,    /* ethtool: drivers */
	SEL_ROTATIONAL, /* block: rotational */
	SEL_N,
};

struct psect {
	char name[64];
	enum sect_type type;
	int line;
	int sel_line[SEL_N];    /* 0 when the file does not set it */
	char sel[SEL_N][128];
};

/* One parsed file: its own values, before the include chain is resolved. */
struct pfile {
	struct profile prof;
	char include[PROFILE_NAME_MAX];
	int include_line;
	int summary_line;
	int kind_line;
	struct psect *sects;
	size_t n_sects, cap_sects;
	int cur;                /* index of the current section, -1 before one */
};

/* Validation of one knob's value. */
enum {
	V_ENUM = 1 << 0,        /* one of choices */
	V_INT = 1 << 1,         /* integer min..max */
	V_MAX = 1 << 2,         /* or the word "max" */
	V_POW2 = 1 << 3,        /* the integer is a power of two */
	V_OP = 1 << 4,          /* '>' and '<' allowed before an integer */
	V_STATE = 1 << 5,       /* or stateN: a cpuidle state of the host ([pmqos]) */
	V_CPUS = 1 << 6,        /* one of choices, or a CPU list such as 2-7,12 */
};

struct knob_spec {
	const char *key;
	unsigned int flags;
	const char *choices;    /* V_ENUM: '|'-separated */
	long long min, max;
	const char *path;       /* [vm]: the sysfs file */
};

static const struct knob_spec vm_knobs[] = {
	/* kernel Documentation/admin-guide/mm/transhuge.rst */
	{ "transparent_hugepage", V_ENUM, "always|madvise|never", 0, 0,
	  "/sys/kernel/mm/transparent_hugepage/enabled" },
	{ "transparent_hugepage_defrag", V_ENUM, "always|defer|defer+madvise|madvise|never", 0, 0,
	  "/sys/kernel/mm/transparent_hugepage/defrag" },
	/* Xen-era EC2 fix in Gregg's Netflix list (tuning.md section 3) */
	{ "clocksource", V_ENUM, "tsc|kvm-clock|xen|hpet|acpi_pm|arch_sys_counter", 0, 0,
	  "/sys/devices/system/clocksource/clocksource0/current_clocksource" },
	/*
	 * The writeback thresholds in bytes. Each shares its threshold with a
	 * ratio file (writing one zeroes the other), so they are [vm] knobs
	 * whose backend journals and restores the pair (knob_sysfs.c), not
	 * plain sysctls. At least 1 MiB: 0 would mean "use the ratio", which
	 * writing the bytes file has just zeroed.
	 * kernel Documentation/admin-guide/sysctl/vm.rst
	 */
	{ "dirty_background_bytes", V_INT, NULL, 1048576, INT64_MAX,
	  "/proc/sys/vm/dirty_background_bytes" },
	{ "dirty_bytes", V_INT, NULL, 1048576, INT64_MAX, "/proc/sys/vm/dirty_bytes" },
};

/* kernel Documentation/block/queue-sysfs.rst */
static const struct knob_spec block_knobs[] = {
	{ "scheduler", V_ENUM, "none|mq-deadline|kyber|bfq", 0, 0, NULL },
	{ "read_ahead_kb", V_INT | V_OP, NULL, 0, 65536, NULL },
	{ "nr_requests", V_INT | V_OP, NULL, 4, 65536, NULL },
	{ "rq_affinity", V_INT, NULL, 0, 2, NULL },
	/* Milliseconds before the kernel fails a request; 0 is refused, and the
	 * file takes a u32 (queue_io_timeout_store in block/blk-sysfs.c). Only
	 * where the driver times requests out (NVMe, SCSI; not loop or virtio). */
	{ "io_timeout", V_INT | V_OP, NULL, 1, 4294967295LL, NULL },
};

/*
 * The CPU latency the kernel's PM QoS holds while a process keeps
 * /dev/cpu_dma_latency open: microseconds, up to 2000000000 (no limit,
 * PM_QOS_CPU_LATENCY_DEFAULT_VALUE), or stateN, the exit latency of cpuidle
 * state N on the host (kernel Documentation/power/pm_qos_interface.rst;
 * tuned's force_latency = cstate.id:N is the same idea).
 */
static const struct knob_spec pmqos_knobs[] = {
	{ "cpu_dma_latency", V_INT | V_STATE, NULL, 0, 2000000000, NULL },
};

/*
 * The CPUs irqbalance keeps interrupts off, set through a drop-in for
 * irqbalance.service (irqbalance.h): rps, the CPUs the plan's RPS knobs
 * spread to (AWS ENA Linux best practices: keep irqbalance, ban the RPS
 * CPUs), none, or a CPU list (irqbalance(1), IRQBALANCE_BANNED_CPULIST).
 */
static const struct knob_spec irqbalance_knobs[] = {
	{ "banned_cpus", V_CPUS, "rps|none", 0, 0, NULL },
};

/* The ENA driver's limits (tuning.md section 2). */
static const struct knob_spec ethtool_knobs[] = {
	{ "rx_ring", V_INT | V_MAX | V_POW2 | V_OP, NULL, 64, 16384, NULL },
	{ "tx_ring", V_INT | V_MAX | V_POW2 | V_OP, NULL, 64, 16384, NULL },
	{ "channels", V_INT | V_MAX | V_OP, NULL, 1, 128, NULL },
	{ "adaptive_rx", V_ENUM, "on|off", 0, 0, NULL },
	{ "rx_usecs", V_INT | V_OP, NULL, 0, 1024, NULL },
	{ "tx_usecs", V_INT | V_OP, NULL, 0, 1024, NULL },
	{ "rps", V_ENUM, "auto|off", 0, 0, NULL },
	/* flow entries per interface, split over its queues (scaling.rst) */
	{ "rfs", V_INT | V_POW2, NULL, 0, 1048576, NULL },
	/* Not a NIC setting: bytes all receive rings of the section may pin. */
	{ "rx_ring_budget", V_INT, NULL, 1048576, INT64_MAX, NULL },
};

static const char SECTIONS_HINT[] =
	"[profile], [sysctl], [vm], [block], [block.NAME], [ethtool], [ethtool.NAME], [pmqos], "
	"[irqbalance] or [adapt.NAME]";

/* The keys a table-driven section takes; NULL for [sysctl] (any name). */
static const struct knob_spec *kind_specs(enum knob_kind kind, size_t *n)
{
	switch (kind) {
	case KNOB_VM:
		*n = ARRAY_SIZE(vm_knobs);
		return vm_knobs;
	case KNOB_BLOCK:
		*n = ARRAY_SIZE(block_knobs);
		return block_knobs;
	case KNOB_ETHTOOL:
		*n = ARRAY_SIZE(ethtool_knobs);
		return ethtool_knobs;
	case KNOB_PMQOS:
		*n = ARRAY_SIZE(pmqos_knobs);
		return pmqos_knobs;
	case KNOB_IRQBALANCE:
		*n = ARRAY_SIZE(irqbalance_knobs);
		return irqbalance_knobs;
	case KNOB_SYSCTL:
		break;
	}
	*n = 0;
	return NULL;
}

__attribute__((format(printf, 4, 5)))
static int fail_at(struct lp_error *err, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", file);
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		return false;
	memcpy(dst, src, n + 1);
	return true;
}

const char *knob_kind_name(enum knob_kind kind)
{
	switch (kind) {
	case KNOB_SYSCTL:
		return "sysctl";
	case KNOB_VM:
		return "vm";
	case KNOB_BLOCK:
		return "block";
	case KNOB_ETHTOOL:
		return "ethtool";
	case KNOB_PMQOS:
		return "pmqos";
	case KNOB_IRQBALANCE:
		return "irqbalance";
	}
	return "unknown";
}

const char *value_op_name(enum value_op op)
{
	switch (op) {
	case VALUE_EXACT:
		return "exact";
	case VALUE_RAISE:
		return "raise";
	case VALUE_LOWER:
		return "lower";
	}
	return "unknown";
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool is_name(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!is_name_char(s[i]))
			return false;
	return i > 0 && i < max;
}

bool profile_name_valid(const char *name)
{
	return name && is_name(name, PROFILE_NAME_MAX) && strcmp(name, RESERVED_NAME) != 0;
}

const char *profile_vm_path(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(vm_knobs); i++)
		if (strcmp(vm_knobs[i].key, key) == 0)
			return vm_knobs[i].path;
	return NULL;
}

const char *profile_vm_offered_path(const char *key)
{
	/* The kernel offers only the clocksources it found usable (a TSC it
	 * marked unstable is not among them): kernel
	 * Documentation/admin-guide/kernel-parameters.txt (clocksource=). */
	static const struct {
		const char *key, *path;
	} offered[] = {
		{ "clocksource",
		  "/sys/devices/system/clocksource/clocksource0/available_clocksource" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(offered); i++)
		if (strcmp(offered[i].key, key) == 0)
			return offered[i].path;
	return NULL;
}

/* Removes one pair of matching quotes around s, in place. */
static void strip_quotes(char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
		memmove(s, s + 1, n - 2);
		s[n - 2] = '\0';
		util_strtrim(s);
	}
}

/* Splits '>'/'<' off value into op; text gets the rest without quotes. */
static void split_op(const char *value, enum value_op *op, char *text, size_t size)
{
	snprintf(text, size, "%s", value);
	strip_quotes(text);
	*op = VALUE_EXACT;
	if (text[0] == '>' || text[0] == '<') {
		*op = text[0] == '>' ? VALUE_RAISE : VALUE_LOWER;
		memmove(text, text + 1, strlen(text));
		util_strtrim(text);
		strip_quotes(text);
	}
}

/*
 * A decimal integer as the kernel reads it unambiguously: an optional '-',
 * no leading zeros (some /proc parsers take "010" as octal), no overflow.
 */
static bool parse_int(const char *s, long long *out)
{
	const char *d = *s == '-' ? s + 1 : s;
	char *end;

	if (!isdigit((unsigned char)*d) || (d[0] == '0' && d[1] != '\0') ||
	    (d != s && strcmp(d, "0") == 0))
		return false;
	for (const char *p = d; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* Integers separated by blanks, rewritten with single spaces; false otherwise. */
static bool normalize_ints(const char *text, char *out, size_t size)
{
	char buf[PROFILE_VALUE_MAX * 2], *tok, *save = NULL;
	size_t off = 0;
	long long v;

	if (!copy_str(buf, sizeof(buf), text))
		return false;
	out[0] = '\0';
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (!parse_int(tok, &v))
			return false;
		int n = snprintf(out + off, size - off, "%s%s", off ? " " : "", tok);

		if (n < 0 || (size_t)n >= size - off)
			return false;
		off += n;
	}
	return off > 0;
}

/* A word value such as bbr or fq_codel: [a-z][a-z0-9_-]*. */
static bool is_word(const char *s)
{
	return *s >= 'a' && *s <= 'z' && is_name(s, PROFILE_VALUE_MAX);
}

static bool in_choices(const char *choices, const char *v)
{
	size_t n = strlen(v);

	for (const char *p = choices; p; p = strchr(p, '|')) {
		if (*p == '|')
			p++;
		if (strncmp(p, v, n) == 0 && (p[n] == '|' || p[n] == '\0'))
			return n > 0;
	}
	return false;
}

/* "one of a, b, c" or "an integer 0..65536 or max, optionally after ..." */
static void describe_spec(const struct knob_spec *k, char *buf, size_t size)
{
	if (k->flags & V_CPUS) {
		snprintf(buf, size, "rps (the CPUs the plan's RPS masks spread to), none, or a "
			 "CPU list such as 2-7,12");
		return;
	}
	if (k->flags & V_ENUM) {
		size_t off = snprintf(buf, size, "one of ");

		for (const char *p = k->choices; *p && off + 2 < size; p++) {
			if (*p == '|') {
				off += snprintf(buf + off, size - off, ", ");
			} else {
				buf[off++] = *p;
				buf[off] = '\0';
			}
		}
		return;
	}
	snprintf(buf, size, "%s %lld..%lld%s%s%s",
		 (k->flags & V_POW2) ? "a power of two" : "an integer",
		 k->min, k->max, (k->flags & V_MAX) ? ", or max" : "",
		 (k->flags & V_STATE) ? ", or stateN (the exit latency of the host's cpuidle "
					"state N, such as state1)" : "",
		 (k->flags & V_OP) ? OP_HINT : "");
}

/* "state1": a cpuidle state by its number, as /sys/devices/system/cpu/cpu0/cpuidle names it. */
static bool is_state(const char *v)
{
	size_t n = strlen(v);

	return n > 5 && n <= 7 && !strncmp(v, "state", 5) &&
	       strspn(v + 5, "0123456789") == n - 5 && (v[5] != '0' || n == 6);
}

static bool spec_accepts(const struct knob_spec *k, enum value_op op, const char *v)
{
	struct cpu_mask cpus;
	long long n;

	if (k->flags & V_CPUS)
		return op == VALUE_EXACT && (in_choices(k->choices, v) ||
					     (strspn(v, "0123456789,-") == strlen(v) &&
					      !cpu_mask_parse_list(v, &cpus) && !cpu_mask_empty(&cpus)));
	if (k->flags & V_ENUM)
		return op == VALUE_EXACT && in_choices(k->choices, v);
	if ((k->flags & V_MAX) && strcmp(v, "max") == 0)
		return op == VALUE_EXACT;
	if ((k->flags & V_STATE) && is_state(v))
		return op == VALUE_EXACT;
	if (!parse_int(v, &n) || n < k->min || n > k->max)
		return false;
	if ((k->flags & V_POW2) && (n & (n - 1)))
		return false;
	return op == VALUE_EXACT || (k->flags & V_OP);
}

static const struct knob_spec *find_spec(const struct knob_spec *specs, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(specs[i].key, key) == 0)
			return &specs[i];
	return NULL;
}

static void list_keys(const struct knob_spec *specs, size_t n, const char *extra, char *buf,
		      size_t size)
{
	size_t off = snprintf(buf, size, "%s", extra);

	for (size_t i = 0; i < n && off < size; i++)
		off += snprintf(buf + off, size - off, "%s%s", off ? ", " : "", specs[i].key);
}

/* "file:12" -> 12 */
static int origin_line(const char *origin)
{
	const char *colon = strrchr(origin, ':');

	return colon ? atoi(colon + 1) : 0;
}

static struct profile_value *find_value(const struct profile *p, const char *section,
					const char *key)
{
	for (size_t i = 0; i < p->n_values; i++)
		if (strcmp(p->values[i].section, section) == 0 && strcmp(p->values[i].key, key) == 0)
			return &p->values[i];
	return NULL;
}

static struct profile_value *grow_values(struct profile *p, size_t max)
{
	struct profile_value *v;

	if (p->n_values >= max)
		return NULL;
	/* Doubling from 16 keeps small profiles small. */
	v = array_grow(p->values, &p->cap_values, p->n_values + 1, sizeof(*v), 16);
	if (!v)
		return NULL;
	p->values = v;
	v = &p->values[p->n_values++];
	memset(v, 0, sizeof(*v));
	return v;
}

static enum knob_kind sect_kind(enum sect_type t)
{
	switch (t) {
	case ST_VM:
		return KNOB_VM;
	case ST_BLOCK:
		return KNOB_BLOCK;
	case ST_ETHTOOL:
		return KNOB_ETHTOOL;
	case ST_PMQOS:
		return KNOB_PMQOS;
	case ST_IRQBALANCE:
		return KNOB_IRQBALANCE;
	default:
		return KNOB_SYSCTL;
	}
}

static int add_value(struct pfile *pf, const struct psect *s, const char *key, enum value_op op,
		     const char *value, const struct lp_item *it, char *err, size_t errsz)
{
	struct profile_value *v = find_value(&pf->prof, s->name, key);

	if (v)
		return util_err(err, errsz, "%s is set twice in [%s]; the first is at line %d", key,
			    s->name, origin_line(v->origin));
	if (strlen(value) >= PROFILE_VALUE_MAX)
		return util_err(err, errsz, "value of %s is longer than %d bytes", key,
			    PROFILE_VALUE_MAX - 1);
	v = grow_values(&pf->prof, PROFILE_MAX_VALUES);
	if (!v)
		return util_err(err, errsz, "more than %d values in one file (or out of memory)",
			    PROFILE_MAX_VALUES);
	v->kind = sect_kind(s->type);
	v->op = op;
	strcpy(v->section, s->name);
	strcpy(v->key, key);
	strcpy(v->value, value);
	strcpy(v->profile, pf->prof.name);
	snprintf(v->origin, sizeof(v->origin), "%s:%d", pf->prof.file, it->line);
	snprintf(v->comment, sizeof(v->comment), "%s", it->comment ? it->comment : "");
	return 0;
}

/*
 * A value relative to the machine: checked now (file:line errors), resolved
 * when the layers are composed for a machine (profile_compose.c).
 */
static int add_formula(struct pfile *pf, const struct psect *s, const char *key,
		       enum value_op op, const char *text, const struct lp_item *it, char *err,
		       size_t errsz)
{
	struct formula f;
	char why[256];
	int ret;

	if (formula_parse(text, &f, why, sizeof(why)))
		return util_err(err, errsz, "bad value '%s' for %s in [%s]: %s", text, key, s->name, why);
	ret = add_value(pf, s, key, op, text, it, err, errsz);
	if (!ret)
		snprintf(pf->prof.values[pf->prof.n_values - 1].formula, PROFILE_VALUE_MAX, "%s", text);
	return ret;
}

int profile_value_check(enum knob_kind kind, const char *key, enum value_op op,
			const char *value, char *why, size_t size)
{
	size_t n;
	const struct knob_spec *specs = kind_specs(kind, &n);
	const struct knob_spec *k;
	char norm[PROFILE_VALUE_MAX], desc[256];

	if (!specs) {
		if (normalize_ints(value, norm, sizeof(norm)))
			return 0;
		return util_err(why, size, "'%s' is not a list of integers", value);
	}
	k = find_spec(specs, n, key);
	if (!k)
		return util_err(why, size, "unknown key %s", key);
	if (spec_accepts(k, op, value))
		return 0;
	describe_spec(k, desc, sizeof(desc));
	return util_err(why, size, "%s is not accepted for %s: expected %s", value, key, desc);
}

/* ---- sections ---- */

static int section_type(const char *name, enum sect_type *t)
{
	static const struct {
		const char *name;
		enum sect_type type;
		bool groups;    /* NAME.GROUP allowed */
	} types[] = {
		{ "profile", ST_PROFILE, false }, { "sysctl", ST_SYSCTL, false },
		{ "vm", ST_VM, false },           { "block", ST_BLOCK, true },
		{ "ethtool", ST_ETHTOOL, true }, { "pmqos", ST_PMQOS, false },
		{ "adapt", ST_ADAPT, true },      { "irqbalance", ST_IRQBALANCE, false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		size_t n = strlen(types[i].name);

		if (strncmp(name, types[i].name, n) != 0)
			continue;
		if ((name[n] == '\0' && types[i].type != ST_ADAPT) ||
		    (types[i].groups && name[n] == '.' && is_name(name + n + 1, 64 - n - 1))) {
			*t = types[i].type;
			return 0;
		}
	}
	return -EINVAL;
}

int profile_add_rule(struct profile *p, const struct adapt_rule *r)
{
	struct adapt_rule *v;

	for (size_t i = 0; i < p->n_rules; i++) {
		if (!strcmp(p->rules[i].name, r->name)) {
			p->rules[i] = *r;
			return 0;
		}
	}
	if (p->n_rules == ADAPT_MAX_RULES)
		return -E2BIG;
	v = array_grow(p->rules, &p->cap_rules, p->n_rules + 1, sizeof(*v), 4);
	if (!v)
		return -ENOMEM;
	p->rules = v;
	p->rules[p->n_rules++] = *r;
	return 0;
}

/* [adapt.NAME]: a rule, filled in by its keys (adapt_rule.h), with the comment above it. */
static int open_rule(struct pfile *pf, const char *name, const struct lp_item *it, char *err,
		     size_t errsz)
{
	struct adapt_rule r;
	char origin[160];

	snprintf(origin, sizeof(origin), "%.140s:%d", pf->prof.file, it->line);
	adapt_rule_init(&r, name, origin);
	snprintf(r.comment, sizeof(r.comment), "%s", it->comment ? it->comment : "");
	if (profile_add_rule(&pf->prof, &r))
		return util_err(err, errsz, "more than %d adaptive rules", ADAPT_MAX_RULES);
	return 0;
}

static int open_section(struct pfile *pf, const struct lp_item *it, char *err, size_t errsz)
{
	const char *name = it->section;
	struct psect *s;
	enum sect_type t;

	if (section_type(name, &t))
		return util_err(err, errsz, "unknown section [%s]: expected %s (NAME: a-z, 0-9, '_', '-')",
			    name, SECTIONS_HINT);
	for (size_t i = 0; i < pf->n_sects; i++)
		if (strcmp(pf->sects[i].name, name) == 0)
			return util_err(err, errsz, "section [%s] appears twice; the first is at line %d",
				    name, pf->sects[i].line);
	if (pf->n_sects == PROFILE_MAX_SECTIONS)
		return util_err(err, errsz, "more than %d sections", PROFILE_MAX_SECTIONS);
	s = array_grow(pf->sects, &pf->cap_sects, pf->n_sects + 1, sizeof(*s), 8);
	if (!s)
		return util_err(err, errsz, "out of memory");
	pf->sects = s;
	s = &pf->sects[pf->n_sects];
	memset(s, 0, sizeof(*s));
	strcpy(s->name, name);
	s->type = t;
	s->line = it->line;
	pf->cur = (int)pf->n_sects++;
	return t == ST_ADAPT ? open_rule(pf, name + strlen("adapt."), it, err, errsz) : 0;
}

/* ---- [profile] ---- */

static int on_profile_key(struct pfile *pf, const struct lp_item *it, char *err, size_t errsz)
{
	char text[PROFILE_VALUE_MAX * 2], b[80];
	int *line;

	if (strcmp(it->key, "summary") && strcmp(it->key, "include") && strcmp(it->key, "kind"))
		return util_err(err, errsz,
			    "unknown key '%s' in [profile]: expected summary, include or kind", it->key);
	line = strcmp(it->key, "summary") == 0 ? &pf->summary_line
	     : strcmp(it->key, "kind") == 0 ? &pf->kind_line : &pf->include_line;
	if (*line)
		return util_err(err, errsz, "%s is set twice; the first is at line %d", it->key, *line);
	snprintf(text, sizeof(text), "%s", it->value);
	strip_quotes(text);
	if (strcmp(it->key, "kind") == 0) {
		if (strcmp(text, "class") && strcmp(text, "overlay"))
			return util_err(err, errsz, "bad kind '%s': expected class (a host's base "
				    "profile) or overlay (stacked on one)",
				    util_printable(text, b, sizeof(b)));
		pf->prof.overlay = strcmp(text, "overlay") == 0;
	} else if (strcmp(it->key, "summary") == 0) {
		for (const char *p = text; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return util_err(err, errsz, "summary contains a control character");
		if (!copy_str(pf->prof.summary, sizeof(pf->prof.summary), text))
			return util_err(err, errsz, "summary is longer than %zu bytes",
				    sizeof(pf->prof.summary) - 1);
	} else if (!profile_name_valid(text)) {
		return util_err(err, errsz,
			    "bad include '%s': expected one profile name (a-z, 0-9, '_', '-'; not '%s')",
			    util_printable(text, b, sizeof(b)), RESERVED_NAME);
	} else {
		strcpy(pf->include, text);
	}
	*line = it->line;
	return 0;
}

/* ---- [sysctl] ---- */

/* net/core/somaxconn -> net.core.somaxconn; dotted lowercase names only. */
static int sysctl_key(const char *key, char *out, size_t size, char *err, size_t errsz)
{
	size_t i;

	for (i = 0; key[i] && i + 1 < size; i++)
		out[i] = key[i] == '/' ? '.' : key[i];
	out[i] = '\0';
	if (key[i] || !strchr(out, '.') || out[0] == '.' || out[i - 1] == '.' ||
	    strstr(out, ".."))
		goto bad;
	for (i = 0; out[i]; i++)
		if (!is_name_char(out[i]) && out[i] != '.')
			goto bad;
	return 0;
bad:
	return util_err(err, errsz,
		    "bad sysctl name '%s': expected a dotted name such as net.core.somaxconn "
		    "(lowercase letters, digits, '_', '-'; '/' works as a separator)",
		    key);
}

static int on_sysctl(struct pfile *pf, const struct psect *s, const struct lp_item *it, char *err,
		     size_t errsz)
{
	char key[128], text[PROFILE_VALUE_MAX * 2], norm[PROFILE_VALUE_MAX], b[80];
	enum value_op op;
	int ret;

	ret = sysctl_key(it->key, key, sizeof(key), err, errsz);
	if (ret)
		return ret;
	split_op(it->value, &op, text, sizeof(text));
	if (normalize_ints(text, norm, sizeof(norm)))
		return add_value(pf, s, key, op, norm, it, err, errsz);
	if (formula_is_relative(text))
		return add_formula(pf, s, key, op, text, it, err, errsz);
	if (is_word(text) && op != VALUE_EXACT)
		return util_err(err, errsz, "bad value '%s' for %s: '%c' (only %s) needs a number, not a word",
			    util_printable(it->value, b, sizeof(b)), key, op == VALUE_RAISE ? '>' : '<',
			    op == VALUE_RAISE ? "raise" : "lower");
	if (is_word(text))
		return add_value(pf, s, key, op, text, it, err, errsz);
	return util_err(err, errsz,
		    "bad value '%s' for %s: expected decimal integers separated by spaces "
		    "(4096, or \"4096 131072 16777216\"; no leading zeros)" OP_HINT
		    ", or one word such as bbr (a-z, 0-9, '_', '-')",
		    util_printable(it->value, b, sizeof(b)), key);
}

/* ---- selectors ---- */

static bool glob_char(char c, bool iface)
{
	if (is_name_char(c) || strchr("*?[]!", c))
		return true;
	/* Interface names may also hold capitals, '.', ':' and '@'. */
	return iface && ((c >= 'A' && c <= 'Z') || c == '.' || c == ':' || c == '@');
}

/* "nvme*, xvd*" -> "nvme*,xvd*"; false on an empty item or a bad byte. */
static bool parse_list(const char *value, bool iface, bool globs, char *out, size_t size)
{
	char buf[512], *tok, *save = NULL;
	size_t off = 0;

	if (!copy_str(buf, sizeof(buf), value) || !*value || value[strlen(value) - 1] == ',' ||
	    strstr(value, ",,") || value[0] == ',')
		return false;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		util_strtrim(tok);
		if (!*tok)
			return false;
		for (const char *p = tok; *p; p++)
			if (globs ? !glob_char(*p, iface) : !is_name_char(*p))
				return false;
		int n = snprintf(out + off, size - off, "%s%s", off ? "," : "", tok);

		if (n < 0 || (size_t)n >= size - off)
			return false;
		off += n;
	}
	return off > 0;
}

/* devices, kind (block); drivers, interfaces (ethtool). 1 when key is not one. */
static int on_selector(struct psect *s, const struct lp_item *it, char *err, size_t errsz)
{
	bool block = s->type == ST_BLOCK;
	char out[128], b[80];
	const char *hint;
	bool ok;
	enum sel which;

	if (strcmp(it->key, block ? "devices" : "interfaces") == 0) {
		which = SEL_DEVICES;
		ok = parse_list(it->value, !block, true, out, sizeof(out));
		hint = block ? "comma-separated device globs such as nvme*, xvd*"
			     : "comma-separated interface globs such as eth*, ens*";
	} else if (block && strcmp(it->key, "kind") == 0) {
		which = SEL_KIND;
		ok = in_choices("ebs|instance-store|other", it->value);
		snprintf(out, sizeof(out), "%s", it->value);
		hint = "one of ebs, instance-store, other";
	} else if (block && strcmp(it->key, "rotational") == 0) {
		which = SEL_ROTATIONAL;
		ok = in_choices("yes|no", it->value);
		snprintf(out, sizeof(out), "%s", it->value);
		hint = "yes or no";
	} else if (!block && strcmp(it->key, "drivers") == 0) {
		which = SEL_DRIVERS;
		/* Checked against the field it ends up in, so nothing is cut. */
		ok = parse_list(it->value, false, false, out,
				sizeof(((struct profile_value *)0)->drivers));
		hint = "comma-separated driver names such as ena (63 bytes at most)";
	} else {
		return 1;
	}
	if (s->sel_line[which])
		return util_err(err, errsz, "%s is set twice in [%s]; the first is at line %d", it->key,
			    s->name, s->sel_line[which]);
	if (!ok)
		return util_err(err, errsz, "bad value '%s' for %s in [%s]: expected %s",
			    util_printable(it->value, b, sizeof(b)), it->key, s->name, hint);
	s->sel_line[which] = it->line;
	strcpy(s->sel[which], out);
	return 0;
}

/* ---- [vm], [block], [ethtool] ---- */

static int on_table_key(struct pfile *pf, struct psect *s, const struct lp_item *it, char *err,
			size_t errsz)
{
	size_t n;
	const struct knob_spec *specs = kind_specs(sect_kind(s->type), &n);
	const char *sels = s->type == ST_BLOCK ? "devices, kind, rotational"
			 : s->type == ST_ETHTOOL ? "drivers, interfaces" : "";
	char text[PROFILE_VALUE_MAX * 2], desc[256], b[80];
	const struct knob_spec *k;
	enum value_op op;
	int ret;

	if (s->type == ST_BLOCK || s->type == ST_ETHTOOL) {
		ret = on_selector(s, it, err, errsz);
		if (ret <= 0)
			return ret;
	}
	k = find_spec(specs, n, it->key);
	if (!k) {
		list_keys(specs, n, sels, desc, sizeof(desc));
		return util_err(err, errsz, "unknown key '%s' in [%s]: expected %s", it->key, s->name,
			    desc);
	}
	split_op(it->value, &op, text, sizeof(text));
	if ((k->flags & V_INT) && formula_is_relative(text)) {
		if (op != VALUE_EXACT && !(k->flags & V_OP))
			return util_err(err, errsz, "%s in [%s] takes no '>' or '<'", k->key, s->name);
		return add_formula(pf, s, k->key, op, text, it, err, errsz);
	}
	if (!spec_accepts(k, op, text)) {
		describe_spec(k, desc, sizeof(desc));
		return util_err(err, errsz, "bad value '%s' for %s in [%s]: expected %s",
			    util_printable(it->value, b, sizeof(b)), k->key, s->name, desc);
	}
	return add_value(pf, s, k->key, op, text, it, err, errsz);
}

static int on_item(void *ctx, const struct lp_item *it, char *err, size_t errsz)
{
	struct pfile *pf = ctx;
	struct psect *s;

	if (!it->key)
		return open_section(pf, it, err, errsz);
	if (pf->cur < 0)
		return util_err(err, errsz, "'%s' comes before any section: put it under %s", it->key,
			    SECTIONS_HINT);
	s = &pf->sects[pf->cur];
	switch (s->type) {
	case ST_PROFILE:
		return on_profile_key(pf, it, err, errsz);
	case ST_SYSCTL:
		return on_sysctl(pf, s, it, err, errsz);
	case ST_ADAPT:
		return adapt_rule_set(&pf->prof.rules[pf->prof.n_rules - 1], it->key, it->value, err,
				      errsz);
	default:
		return on_table_key(pf, s, it, err, errsz);
	}
}

/* Checks that need the whole file: [block] sections name their devices. */
static int check_file(const struct pfile *pf, struct lp_error *err)
{
	for (size_t i = 0; i < pf->n_sects; i++) {
		const struct psect *s = &pf->sects[i];

		if (s->type == ST_BLOCK && !s->sel_line[SEL_DEVICES])
			return fail_at(err, pf->prof.file, s->line,
				       "[%s] needs devices = GLOB[, GLOB...], such as devices = nvme*",
				       s->name);
	}
	for (size_t i = 0; i < pf->prof.n_rules; i++) {
		const struct adapt_rule *r = &pf->prof.rules[i];
		char msg[256];

		if (adapt_rule_check(r, msg, sizeof(msg)))
			return fail_at(err, pf->prof.file, atoi(strrchr(r->origin, ':') + 1), "%s",
				       msg);
	}
	return 0;
}

static void pfile_free(struct pfile *pf)
{
	free(pf->prof.values);
	free(pf->prof.rules);
	free(pf->sects);
	memset(pf, 0, sizeof(*pf));
}

/* Parses one file's text; file names it in messages, name is the profile's. */
static int pfile_parse(const char *buf, size_t len, const char *file, const char *name,
		       struct pfile *pf, struct lp_error *err)
{
	int ret;

	memset(pf, 0, sizeof(*pf));
	pf->cur = -1;
	snprintf(pf->prof.name, sizeof(pf->prof.name), "%s", name);
	snprintf(pf->prof.file, sizeof(pf->prof.file), "%s", file);
	ret = lp_parse_buf_ex(buf, len, file, on_item, pf, err);
	if (!ret)
		ret = check_file(pf, err);
	if (ret)
		pfile_free(pf);
	return ret;
}

/* ---- resolving ---- */

static const struct psect *file_sect(const struct pfile *pf, const char *name)
{
	for (size_t i = 0; i < pf->n_sects; i++)
		if (strcmp(pf->sects[i].name, name) == 0)
			return &pf->sects[i];
	return NULL;
}

/* The nearest file of the chain (child first) that sets selector which. */
static const char *resolve_sel(const struct pfile *files, int n, const char *section,
			       enum sel which)
{
	for (int i = 0; i < n; i++) {
		const struct psect *s = file_sect(&files[i], section);

		if (!s)
			continue;
		/* A [block] section's devices and kind go together. */
		if (s->type == ST_BLOCK)
			return s->sel_line[SEL_DEVICES] ? s->sel[which] : NULL;
		if (s->sel_line[which])
			return s->sel[which];
	}
	return NULL;
}

static void apply_selectors(struct profile_value *v, const struct pfile *files, int n)
{
	const char *dev = resolve_sel(files, n, v->section, SEL_DEVICES);
	const char *kind = resolve_sel(files, n, v->section, SEL_KIND);
	const char *drv = resolve_sel(files, n, v->section, SEL_DRIVERS);
	const char *rot = resolve_sel(files, n, v->section, SEL_ROTATIONAL);

	if (v->kind == KNOB_BLOCK) {
		snprintf(v->devices, sizeof(v->devices), "%s", dev ? dev : "");
		snprintf(v->dev_kind, sizeof(v->dev_kind), "%.23s", kind ? kind : "");
		snprintf(v->rotational, sizeof(v->rotational), "%.3s", rot ? rot : "");
	} else if (v->kind == KNOB_ETHTOOL) {
		snprintf(v->devices, sizeof(v->devices), "%s", dev ? dev : "*");
		snprintf(v->drivers, sizeof(v->drivers), "%.63s", drv ? drv : "ena");
	}
}

/* files[0] is the child, files[n - 1] the root of the chain. */
static int flatten(const struct pfile *files, int n, struct profile *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = n - 1; i >= 0; i--) {
		const struct profile *p = &files[i].prof;

		for (size_t j = 0; j < p->n_values; j++) {
			struct profile_value *v = find_value(out, p->values[j].section,
							     p->values[j].key);

			if (!v)
				v = grow_values(out, PROFILE_MAX_VALUES * PROFILE_MAX_DEPTH);
			if (!v) {
				profile_free(out);
				return -ENOMEM;
			}
			*v = p->values[j];
		}
		for (size_t j = 0; j < p->n_rules; j++) {
			if (profile_add_rule(out, &p->rules[j])) {
				profile_free(out);
				return -ENOMEM;
			}
		}
	}
	for (size_t j = 0; j < out->n_values; j++)
		apply_selectors(&out->values[j], files, n);
	strcpy(out->name, files[0].prof.name);
	strcpy(out->summary, files[0].prof.summary);
	strcpy(out->file, files[0].prof.file);
	out->overlay = files[0].prof.overlay;
	out->depth = n;
	for (int i = 0; i < n; i++)
		strcpy(out->chain[i], files[i].prof.name);
	return 0;
}

void profile_name_from_file(const char *file, char *name, size_t size)
{
	const char *base = strrchr(file, '/');
	size_t n;

	base = base ? base + 1 : file;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".conf") == 0)
		n -= 5;
	if (n >= size)
		n = size - 1;
	memcpy(name, base, n);
	name[n] = '\0';
}

int profile_parse_buf(const char *buf, size_t len, const char *name, struct profile *out,
		      char include[PROFILE_NAME_MAX], struct lp_error *err)
{
	char pname[PROFILE_NAME_MAX];
	struct pfile pf;
	int ret;

	memset(out, 0, sizeof(*out));
	if (include)
		include[0] = '\0';
	profile_name_from_file(name, pname, sizeof(pname));
	ret = pfile_parse(buf, len, name, pname, &pf, err);
	if (ret)
		return ret;
	ret = flatten(&pf, 1, out);
	if (!ret && include)
		strcpy(include, pf.include);
	if (ret)
		fail_at(err, name, 0, "out of memory");
	pfile_free(&pf);
	return ret;
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	free(p->values);
	free(p->rules);
	memset(p, 0, sizeof(*p));
}

/* ---- loading with includes ---- */

static void dirs_text(const struct profile_dirs *dirs, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < dirs->n && off < size; i++)
		off += snprintf(buf + off, size - off, "%s%s", i ? ", " : "", dirs->dirs[i]);
}

/*
 * Finds NAME.conf in the first directory holding it and parses it. from is
 * the file that includes it (NULL for the profile asked for).
 */
static int load_one(const struct profile_dirs *dirs, const char *name, const struct pfile *from,
		    struct pfile *pf, struct lp_error *err)
{
	char path[PATH_MAX], where[512], *buf;
	ssize_t len = -ENOENT;
	int ret;

	for (int i = 0; i < dirs->n && i < (int)ARRAY_SIZE(dirs->dirs) && len == -ENOENT; i++) {
		if (util_join(path, sizeof(path), "%s/%s.conf", dirs->dirs[i], name))
			continue;
		len = util_read_file(path, LP_MAX_FILE, &buf);
	}
	if (len >= 0) {
		ret = pfile_parse(buf, len, path, name, pf, err);
		free(buf);
		return ret;
	}
	if (len != -ENOENT)
		return fail_at(err, path, 0, "cannot read: %s", util_file_strerror((int)len));
	dirs_text(dirs, where, sizeof(where));
	if (from)
		return fail_at(err, from->prof.file, from->include_line,
			       "include = %s: no profile %s.conf in %s", name, name,
			       where[0] ? where : "(no profile directories)");
	return fail_at(err, name, 0, "no profile named '%s': looked for %s.conf in %s", name, name,
		       where[0] ? where : "(no profile directories)");
}

/* "a -> b -> c" for files[0..n), then last if given. */
static void chain_text(const struct pfile *files, int n, const char *last, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && off < size; i++)
		off += snprintf(buf + off, size - off, "%s%s", i ? " -> " : "", files[i].prof.name);
	if (last && off < size)
		snprintf(buf + off, size - off, " -> %s", last);
}

/*
 * Stops on a cycle, a chain too deep, or a class profile and an overlay in
 * one chain; 1 when files[n - 1] includes nothing.
 */
static int check_include(const struct pfile *files, int n, struct lp_error *err)
{
	const struct pfile *pf = &files[n - 1];
	char chain[PROFILE_MAX_DEPTH * (PROFILE_NAME_MAX + 4) + PROFILE_NAME_MAX];

	/* An overlay stacks on any class profile: a class profile inside it
	 * would bring that class's values along and undo the layers below. */
	if (n > 1 && pf->prof.overlay != files[n - 2].prof.overlay)
		return fail_at(err, files[n - 2].prof.file, files[n - 2].include_line,
			       "include = %s: %s is %s, and %s may include only %s", pf->prof.name,
			       pf->prof.name, pf->prof.overlay ? "an overlay" : "a class profile",
			       files[n - 2].prof.name,
			       files[n - 2].prof.overlay ? "overlays" : "class profiles");

	if (!pf->include[0])
		return 1;
	for (int i = 0; i < n; i++) {
		if (strcmp(files[i].prof.name, pf->include) == 0) {
			chain_text(files, n, pf->include, chain, sizeof(chain));
			return fail_at(err, pf->prof.file, pf->include_line, "include cycle: %s",
				       chain);
		}
	}
	if (n == PROFILE_MAX_DEPTH) {
		chain_text(files, n, pf->include, chain, sizeof(chain));
		return fail_at(err, pf->prof.file, pf->include_line,
			       "includes nest deeper than %d profiles: %s", PROFILE_MAX_DEPTH,
			       chain);
	}
	return 0;
}

int profile_load(const struct profile_dirs *dirs, const char *name, struct profile *out,
		 struct lp_error *err)
{
	struct pfile *files;
	char b[80];
	int n = 0, ret;

	memset(out, 0, sizeof(*out));
	if (!profile_name_valid(name))
		return fail_at(err, name ? util_printable(name, b, sizeof(b)) : "(null)", 0,
			       "not a profile name: use a-z, 0-9, '_' and '-' (and not '%s')",
			       RESERVED_NAME);
	files = calloc(PROFILE_MAX_DEPTH, sizeof(*files));
	if (!files)
		return fail_at(err, name, 0, "out of memory");
	for (const char *cur = name;; cur = files[n - 1].include) {
		ret = load_one(dirs, cur, n ? &files[n - 1] : NULL, &files[n], err);
		if (ret)
			goto out;
		n++;
		ret = check_include(files, n, err);
		if (ret < 0)
			goto out;
		if (ret == 1)
			break;
	}
	ret = flatten(files, n, out);
	if (ret)
		fail_at(err, files[0].prof.file, 0, "out of memory");
out:
	for (int i = 0; i < n; i++)
		pfile_free(&files[i]);
	free(files);
	return ret;
}

/* ---- checks for shipped profiles ---- */

/* what ("a.b in [sysctl]", "[adapt.NAME]") has no comment: an error at its origin. */
static int no_comment(struct lp_error *err, const char *origin, const char *what)
{
	char file[PATH_MAX + 16];
	char *colon;

	snprintf(file, sizeof(file), "%s", origin);
	colon = strrchr(file, ':');
	if (colon)
		*colon = '\0';
	return fail_at(err, file, origin_line(origin), "%s has no comment above it: say why it is "
		       "set and where the value comes from", what);
}

int profile_check_comments(const struct profile *p, struct lp_error *err)
{
	char what[256];

	if (!p->summary[0])
		return fail_at(err, p->file, 0, "profile %s has no summary = line in [profile]",
			       p->name);
	for (size_t i = 0; i < p->n_values; i++) {
		const struct profile_value *v = &p->values[i];

		if (v->comment[0])
			continue;
		snprintf(what, sizeof(what), "%.120s in [%.63s]", v->key, v->section);
		return no_comment(err, v->origin, what);
	}
	/* An adaptive rule: the comment block above its [adapt.NAME] line. */
	for (size_t i = 0; i < p->n_rules; i++) {
		if (p->rules[i].comment[0])
			continue;
		snprintf(what, sizeof(what), "[adapt.%s]", p->rules[i].name);
		return no_comment(err, p->rules[i].origin, what);
	}
	return 0;
}
