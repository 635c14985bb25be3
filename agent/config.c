// SPDX-License-Identifier: GPL-2.0-only
/* perfagent.conf: a table of keys, each with its parser and accepted values. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "probes/probes.h"
#include "emf/sink.h"
#include "identity/imds.h"
#include "core/suggest.h"
#include "core/util.h"
#include "tune/knob.h"

struct config_key {
	const char *name;
	int (*parse)(struct pa_config *cfg, const char *value, char *err, size_t errsz);
	const char *accepted;   /* shown when a value is refused */
};

static int parse_uint(const char *value, unsigned long min, unsigned long max, int base,
		      unsigned long *out)
{
	char *end;

	if (!*value || *value == '-' || *value == '+')
		return -EINVAL;
	errno = 0;
	*out = strtoul(value, &end, base);
	if (errno || *end || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

static int set_interval(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	unsigned long v;

	if (parse_uint(value, 1, 3600, 10, &v))
		return -EINVAL;
	cfg->interval_s = v;
	return 0;
}

static int set_log_level(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	return log_level_parse(value, &cfg->log_level);
}

static int set_mode(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	if (strcmp(value, "apply") == 0)
		cfg->mode = MODE_APPLY;
	else if (strcmp(value, "advise") == 0)
		cfg->mode = MODE_ADVISE;
	else
		return -EINVAL;
	return 0;
}

static int set_instance_type(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	struct itype t;

	if (*value && itype_parse(value, &t, err, errsz))
		return -EINVAL;
	snprintf(cfg->instance_type, sizeof(cfg->instance_type), "%s", value);
	return 0;
}

static int set_bool(bool *dst, const char *value)
{
	return util_parse_bool(value, dst);
}

static int set_imds(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	return set_bool(&cfg->imds_enabled, value);
}

static int set_imds_endpoint(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	size_t len;

	/* Plain http only: IMDS has no TLS, and a proxy or redirect must never be involved. */
	if (*value && strncmp(value, "http://", 7) != 0)
		return -EINVAL;
	if (strlen(value) >= sizeof(cfg->imds_endpoint))
		return -EINVAL;
	/* As the IMDS client will use it: a host after http://, no blank or control byte. */
	if (*value && imds_endpoint_check(value, &len))
		return -EINVAL;
	strcpy(cfg->imds_endpoint, value);
	return 0;
}

static int set_socket_mode(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	unsigned long v;

	if (parse_uint(value, 0, 0777, 8, &v) || value[0] != '0')
		return -EINVAL;
	/* The daemon (root) must keep access to its own socket. */
	if ((v & 0600) != 0600)
		return -EINVAL;
	cfg->control_socket_mode = v;
	return 0;
}

static int set_disable_probes(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	char buf[256], *tok, *save = NULL;

	if (snprintf(buf, sizeof(buf), "%s", value) >= (int)sizeof(buf))
		return -EINVAL;
	cfg->n_disabled_probes = 0;
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (!probes_name_known(tok)) {
			snprintf(err, errsz, "unknown probe '%.32s' in disable_probes", tok);
			return -EINVAL;
		}
		if (cfg->n_disabled_probes == CONFIG_MAX_PROBES)
			return -EINVAL;
		snprintf(cfg->disabled_probes[cfg->n_disabled_probes++],
			 sizeof(cfg->disabled_probes[0]), "%s", tok);
	}
	return 0;
}

static int set_block_sample(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	return probes_block_sample_parse(value, &cfg->block_sample);
}

static int set_profile(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	/* A name, never a path: profiles are looked up in the profile directories. */
	if (strlen(value) >= sizeof(cfg->profile) || strspn(value,
	    "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(value))
		return -EINVAL;
	strcpy(cfg->profile, value);
	return 0;
}

/* Each line replaces the list: a drop-in says the whole stack it wants. */
int config_set_overlays(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	char buf[1024], *tok, *save = NULL;
	int n = 0;

	if (snprintf(buf, sizeof(buf), "%s", value) >= (int)sizeof(buf)) {
		snprintf(err, errsz, "longer than %zu bytes", sizeof(buf) - 1);
		return -EINVAL;
	}
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (strlen(tok) >= sizeof(cfg->overlays[0]) ||
		    strspn(tok, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(tok)) {
			snprintf(err, errsz, "'%.64s' is not an overlay name", tok);
			return -EINVAL;
		}
		for (int i = 0; i < n; i++)
			if (!strcmp(cfg->overlays[i], tok)) {
				snprintf(err, errsz, "%s is named twice", tok);
				return -EINVAL;
			}
		if (n == TUNING_MAX_OVERLAYS) {
			snprintf(err, errsz, "more than %d overlays", TUNING_MAX_OVERLAYS);
			return -EINVAL;
		}
		strcpy(cfg->overlays[n++], tok);
	}
	cfg->n_overlays = n;
	return 0;
}

static int set_revert_on_stop(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	return set_bool(&cfg->revert_on_stop, value);
}

/* A glob over knob ids: it starts with a knob kind ("sysctl:", "pmqos:" ...) or "*". */
static bool exclude_is_valid(const char *glob)
{
	enum knob_kind kind;

	if (glob[0] != '*' && knob_kind_of_id(glob, &kind))
		return false;
	return strlen(glob) < sizeof(((struct pa_config *)0)->excludes[0]);
}

/* Lines add up (a drop-in can add one knob); an empty value clears the list. */
static int set_exclude(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	char buf[1024], *tok, *save = NULL;

	if (!*value) {
		cfg->n_excludes = 0;
		return 0;
	}
	if (snprintf(buf, sizeof(buf), "%s", value) >= (int)sizeof(buf))
		return -EINVAL;
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (!exclude_is_valid(tok)) {
			snprintf(err, errsz, "'%.64s' is not a knob pattern", tok);
			return -EINVAL;
		}
		if (cfg->n_excludes == TUNING_MAX_EXCLUDES) {
			snprintf(err, errsz, "more than %d patterns", TUNING_MAX_EXCLUDES);
			return -EINVAL;
		}
		strcpy(cfg->excludes[cfg->n_excludes++], tok);
	}
	return 0;
}

static int set_metrics(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	return set_bool(&cfg->metrics_enabled, value);
}

static int set_emf_endpoint(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	struct sink_endpoint ep;

	if (strlen(value) >= sizeof(cfg->emf_endpoint) ||
	    (*value && sink_endpoint_parse(value, &ep)))
		return -EINVAL;
	strcpy(cfg->emf_endpoint, value);
	return 0;
}

/* value is 1..size-1 characters, all from chars. */
static bool name_from(const char *value, size_t size, const char *chars)
{
	size_t n = strlen(value);

	return n && n < size && strspn(value, chars) == n;
}

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/#"

/* What the EMF libraries accept; "AWS/" is reserved for AWS services. */
static int set_emf_namespace(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	if (!name_from(value, sizeof(cfg->emf_namespace), NAME_CHARS ":") || value[0] == ':' ||
	    strncmp(value, "AWS/", 4) == 0)
		return -EINVAL;
	strcpy(cfg->emf_namespace, value);
	return 0;
}

static int set_emf_log_group(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	if (!name_from(value, sizeof(cfg->emf_log_group), NAME_CHARS))
		return -EINVAL;
	strcpy(cfg->emf_log_group, value);
	return 0;
}

static int set_dimension_sets(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	return emf_dimsets_parse(value, &cfg->dimension_sets, err, errsz);
}

/* Each line replaces the list: a drop-in says the whole filter it wants. */
static int set_interfaces(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	return namefilter_parse(value, &cfg->interfaces, err, errsz);
}

static int set_devices(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	return namefilter_parse(value, &cfg->devices, err, errsz);
}

static int set_metrics_level(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	return metric_level_parse(value, &cfg->metric_filter.level);
}

/* Lines add up, as exclude's; an empty value clears. Used with metrics_level = custom. */
static int set_metrics_include(struct pa_config *cfg, const char *value, char *err,
			       size_t errsz)
{
	struct metric_filter *f = &cfg->metric_filter;

	return metric_filter_add_globs(f->include, &f->n_include, value, err, errsz);
}

static int set_metrics_exclude(struct pa_config *cfg, const char *value, char *err,
			       size_t errsz)
{
	struct metric_filter *f = &cfg->metric_filter;

	return metric_filter_add_globs(f->exclude, &f->n_exclude, value, err, errsz);
}

static int set_spool_max(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	unsigned long v;

	if (parse_uint(value, 1, CONFIG_SPOOL_MAX_DOCUMENTS, 10, &v))
		return -EINVAL;
	cfg->spool_max_documents = v;
	return 0;
}

/* Bytes, or KiB / MiB with K, KiB, M or MiB: the spool's memory, packed blocks as they are. */
static int set_spool_max_bytes(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	static const struct { const char *suffix; unsigned shift; } units[] = {
		{ "", 0 }, { "K", 10 }, { "KiB", 10 }, { "M", 20 }, { "MiB", 20 },
	};
	unsigned long long v;
	char *end;

	if (*value < '0' || *value > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(value, &end, 10);
	for (size_t i = 0; i < ARRAY_SIZE(units) && !errno; i++) {
		if (strcmp(end, units[i].suffix) == 0 && v <= (SINK_MAX_SPOOL_BYTES >> units[i].shift) &&
		    (v << units[i].shift) >= CONFIG_SPOOL_MIN_BYTES) {
			cfg->spool_max_bytes = v << units[i].shift;
			return 0;
		}
	}
	return -EINVAL;
}

static int set_spool_persist(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	return set_bool(&cfg->spool_persist, value);
}

static int set_credit_mode(struct pa_config *cfg, const char *value, char *err, size_t errsz)
{
	if (strcmp(value, "default") == 0)
		cfg->credit_mode = CREDIT_MODE_DEFAULT;
	else if (strcmp(value, "standard") == 0)
		cfg->credit_mode = CREDIT_MODE_STANDARD;
	else if (strcmp(value, "unlimited") == 0)
		cfg->credit_mode = CREDIT_MODE_UNLIMITED;
	else
		return -EINVAL;
	return 0;
}

static int set_credit_start_balance(struct pa_config *cfg, const char *value, char *err,
				    size_t errsz)
{
	char *end;
	double v;

	if (!*value) {
		cfg->credit_start_balance = -1;
		return 0;
	}
	errno = 0;
	v = strtod(value, &end);
	/* The largest maximum of the table (t3.2xlarge) is 4608. */
	if (errno || *end || !(v >= 0 && v <= 5000))
		return -EINVAL;
	cfg->credit_start_balance = v;
	return 0;
}

static const struct config_key config_keys[] = {
	{ "interval", set_interval, "whole seconds from 1 to 3600" },
	{ "log_level", set_log_level, "error, warn, info or debug" },
	{ "mode", set_mode, "apply or advise" },
	{ "instance_type", set_instance_type, "an EC2 instance type such as c6in.large, or empty to detect" },
	{ "imds", set_imds, UTIL_BOOL_WORDS },
	{ "imds_endpoint", set_imds_endpoint, "an http:// URL with a host and no blanks, or empty for the default" },
	{ "control_socket_mode", set_socket_mode, "an octal mode from 0600 to 0777, such as 0666" },
	{ "profile", set_profile, "a profile name (lowercase letters, digits, '_', '-'), or empty to match by instance type" },
	{ "overlays", config_set_overlays, "comma-separated overlay names such as latency, database (see "
	  "perfagent profiles list), or empty for none" },
	{ "exclude", set_exclude, "comma-separated knob ids or globs, each starting with a kind (sysctl:, vm:, block:, ethtool:, pmqos:, irqbalance:) or *, such as sysctl:net.core.somaxconn, block:*:scheduler" },
	{ "revert_on_stop", set_revert_on_stop, UTIL_BOOL_WORDS },
	{ "credit_mode", set_credit_mode, "default, standard or unlimited" },
	{ "credit_start_balance", set_credit_start_balance, "a number of credits from 0 to 5000, or empty" },
	{ "disable_probes", set_disable_probes, NULL /* filled from probes_known_names() */ },
	{ "block_sample", set_block_sample, "off, auto, or a whole number N from 2 to 65536 "
	  "(time about 1 in N block I/O completions)" },
	{ "metrics", set_metrics, UTIL_BOOL_WORDS },
	{ "emf_endpoint", set_emf_endpoint, "tcp://ADDRESS:PORT or udp://ADDRESS:PORT, the address "
	  "an IPv4 one, [IPv6] or localhost; or empty for $AWS_EMF_AGENT_ENDPOINT, else "
	  SINK_DEFAULT_ENDPOINT },
	{ "emf_namespace", set_emf_namespace, "1 to 255 letters, digits or ._-/#:, not starting "
	  "with AWS/ or ':'" },
	{ "emf_log_group", set_emf_log_group, "1 to 512 letters, digits or ._-/#" },
	{ "dimension_sets", set_dimension_sets, "sets separated by ';', each a comma-separated "
	  "list of InstanceId, InstanceType, ImageId, AutoScalingGroupName, or [] (no dimension), "
	  "such as InstanceId; AutoScalingGroupName; InstanceType" },
	{ "interfaces", set_interfaces, "interface name globs, '!' in front to exclude, the first "
	  "match deciding, such as eth* !docker*; or empty for real NICs that are up" },
	{ "devices", set_devices, "block device name globs, '!' in front to exclude, the first "
	  "match deciding, such as loop* !nvme1n1; or empty for whole real disks" },
	{ "metrics_level", set_metrics_level, "basic, detailed or custom" },
	{ "metrics_include", set_metrics_include, "comma-separated metric names or globs "
	  "of packaging/metrics-catalogue.md, such as RunqLatency, Tcp*; or empty to clear" },
	{ "metrics_exclude", set_metrics_exclude, "comma-separated metric names or globs "
	  "of packaging/metrics-catalogue.md, such as *P999; or empty to clear" },
	{ "spool_max_documents", set_spool_max, "a whole number from 1 to 1000000" },
	{ "spool_max_bytes", set_spool_max_bytes, "64K to 64M: bytes, or with K, KiB, M or MiB" },
	{ "spool_persist", set_spool_persist, UTIL_BOOL_WORDS },
};

static void known_keys(char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(config_keys) && off < size; i++)
		off += snprintf(buf + off, size - off, "%s%s", i ? ", " : "", config_keys[i].name);
}

static const char *closest_key(const char *key)
{
	const char *names[ARRAY_SIZE(config_keys)];

	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++)
		names[i] = config_keys[i].name;
	return suggest_word(key, names, ARRAY_SIZE(names));
}

static int config_handle(void *ctx, const char *section, const char *key, const char *value,
			 char *err, size_t errsz)
{
	struct pa_config *cfg = ctx;
	char reason[160] = "";
	char list[512];
	const char *hint;

	if (*section) {
		snprintf(err, errsz, "perfagent.conf has no sections; remove [%s]", section);
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
		const struct config_key *k = &config_keys[i];
		const char *accepted;

		if (strcmp(k->name, key) != 0)
			continue;
		if (k->parse(cfg, value, reason, sizeof(reason)) == 0)
			return 0;
		accepted = k->accepted;
		if (!accepted) {
			snprintf(list, sizeof(list), "a comma-separated list of: %s",
				 probes_known_names());
			accepted = list;
		}
		if (reason[0])
			snprintf(err, errsz, "bad value '%.64s' for %s (%s): expected %s", value,
				 key, reason, accepted);
		else
			snprintf(err, errsz, "bad value '%.64s' for %s: expected %s", value, key,
				 accepted);
		return -EINVAL;
	}
	known_keys(list, sizeof(list));
	hint = closest_key(key);
	if (hint)
		snprintf(err, errsz, "unknown key '%.64s': did you mean '%s'? (known keys: %s)",
			 key, hint, list);
	else
		snprintf(err, errsz, "unknown key '%.64s'; known keys: %s", key, list);
	return -EINVAL;
}

void config_defaults(struct pa_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->interval_s = 60;
	cfg->log_level = LOG_LVL_INFO;
	cfg->mode = MODE_APPLY;
	cfg->imds_enabled = true;
	cfg->control_socket_mode = 0666;
	cfg->credit_start_balance = -1;
	cfg->metrics_enabled = true;
	strcpy(cfg->emf_namespace, "PerfAgent");
	strcpy(cfg->emf_log_group, "/perfagent/metrics");
	emf_dimsets_default(&cfg->dimension_sets);
	/* The bytes bind first; a count is for who wants one. */
	cfg->spool_max_documents = CONFIG_SPOOL_MAX_DOCUMENTS;
	cfg->spool_max_bytes = SINK_DEFAULT_SPOOL_BYTES;
	cfg->spool_persist = true;
}

int config_parse_buf(struct pa_config *cfg, const char *buf, size_t len, const char *name,
		     struct lp_errors *errs)
{
	memset(errs, 0, sizeof(*errs));
	return lp_parse_buf_all(buf, len, name, config_handle, cfg, errs);
}

static int load_file(struct pa_config *cfg, const char *path, struct lp_errors *errs)
{
	int ret = lp_parse_file_all(path, config_handle, cfg, errs);

	if (!ret && cfg->n_files < CONFIG_MAX_FILES)
		snprintf(cfg->files[cfg->n_files++], sizeof(cfg->files[0]), "%s", path);
	return ret;
}

static int is_dropin(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".conf") == 0;
}

/* Records an error about a whole file or directory (line 0). */
static int whole_file_error(struct lp_errors *errs, const char *file, int ret, const char *msg)
{
	struct lp_error e = { .line = 0 };

	snprintf(e.file, sizeof(e.file), "%s", file);
	snprintf(e.msg, sizeof(e.msg), "%s", msg);
	lp_errors_add(errs, &e);
	return ret;
}

/* Every drop-in is read, also after one with errors: all of them are reported. */
static int load_dropins(struct pa_config *cfg, const char *dir, struct lp_errors *errs)
{
	struct dirent **names = NULL;
	char path[PATH_MAX], msg[320];
	int n, ret = 0;

	n = scandir(dir, &names, is_dropin, alphasort);
	if (n < 0) {
		if (errno == ENOENT)
			return 0;
		ret = -errno;
		snprintf(msg, sizeof(msg), "cannot list drop-ins: %s", strerror(-ret));
		return whole_file_error(errs, dir, ret, msg);
	}
	for (int i = 0; i < n; i++) {
		int r = util_join(path, sizeof(path), "%s/%s", dir, names[i]->d_name);

		if (r)
			r = whole_file_error(errs, names[i]->d_name, r, "path too long");
		else
			r = load_file(cfg, path, errs);
		ret = ret ? ret : r;
		free(names[i]);
	}
	free(names);
	return ret;
}

int config_load(struct pa_config *cfg, const struct pa_paths *paths, bool must_exist,
		struct lp_errors *errs)
{
	struct stat st;
	int ret = 0, r;

	config_defaults(cfg);
	memset(errs, 0, sizeof(*errs));
	if (stat(paths->config_file, &st) < 0 && errno == ENOENT && !must_exist)
		cfg->main_file_missing = true;
	else
		ret = load_file(cfg, paths->config_file, errs);
	r = load_dropins(cfg, paths->config_dropin_dir, errs);
	return ret ? ret : r;
}

const char *config_mode_name(enum pa_mode mode)
{
	return mode == MODE_ADVISE ? "advise" : "apply";
}

void config_tuning_opts(const struct pa_config *cfg, struct tuning_opts *out)
{
	out->profile = cfg->profile;
	for (int i = 0; i <= TUNING_MAX_OVERLAYS; i++)
		out->overlays[i] = i < cfg->n_overlays ? cfg->overlays[i] : NULL;
	out->mode = config_mode_name(cfg->mode);
	config_excludes(cfg, out->excludes);
	out->pmqos = NULL;      /* only the daemon holds one: it sets its own */
}

void config_tuning_ctx(const struct pa_config *cfg, const struct pa_paths *paths,
		       struct tuning_ctx *t)
{
	struct tuning_opts o;

	config_tuning_opts(cfg, &o);
	tuning_ctx_init(t, paths, &o);
}

void config_excludes(const struct pa_config *cfg, const char *out[TUNING_MAX_EXCLUDES + 1])
{
	int i;

	for (i = 0; i < cfg->n_excludes; i++)
		out[i] = cfg->excludes[i];
	out[i] = NULL;
}

void config_disabled_probes(const struct pa_config *cfg, const char *out[CONFIG_MAX_PROBES + 1])
{
	int i;

	for (i = 0; i < cfg->n_disabled_probes; i++)
		out[i] = cfg->disabled_probes[i];
	out[i] = NULL;
}
