// SPDX-License-Identifier: GPL-2.0-only
/* The daemon: start-up, the event loop, collection, reload, status. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "daemon/control.h"
#include "cpu/cpushare.h"
#include "cpu/cpuwatch.h"
#include "daemon/adaptive.h"
#include "daemon/daemon.h"
#include "daemon/devfilter.h"
#include "daemon/follow.h"
#include "daemon/health.h"
#include "daemon/hotplug.h"
#include "emf/cost.h"
#include "emf/emf.h"
#include "net/ena.h"
#include "net/listeners.h"
#include "net/netstat.h"
#include "core/exitcodes.h"
#include "core/interrupt.h"
#include "identity/identity.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/notify.h"
#include "probes/probes.h"
#include "emf/sink.h"
#include "tune/tuning.h"
#include "storage/nvme_stats.h"
#include "core/util.h"

struct collection {
	uint64_t count;
	uint64_t last_wall_ms;
	bool ctxsw_valid;       /* the sched probe's rate of the last interval */
	double ctxsw_per_s;
	int documents;          /* EMF documents of the last interval */
	uint64_t last_mono_ms;  /* when the last interval ended */
	double span_s;          /* its length, measured */
	bool have_last;
	struct metric_set last; /* its metrics, for status' health */
};

struct daemon {
	const struct daemon_opts *opts;
	struct pa_config cfg;
	char reload_error[LP_MAX_ERRORS * 200];
	uint64_t reload_wall_ms;
	struct identity id;
	struct tuning_state tuning;
	struct pmqos pmqos;             /* the PM QoS latency a profile holds (tune.h) */
	struct cpuwatch cpu;
	struct ena_state ena;
	struct nvme_state nvme;         /* EBS and instance-store NVMe statistics */
	struct probes *probes;
	struct cpushare *cpushare;      /* who used the CPU, from the sched probe */
	struct evloop loop;
	struct ev_source signals;
	struct ev_source timer;
	struct ctl_server *ctl;
	struct hotplug *hotplug;        /* NULL: neither netlink socket opened */
	char hotplug_error[256];
	struct follow follow;           /* what hot-plug and moved interrupts did */
	struct adaptive adaptive;       /* the profile's adaptive rules and their state */
	struct netcounters netc;        /* softnet and TCP memory pressure rates */
	struct listeners listeners;     /* listen-queue drops by port, last interval */
	struct sink *sink;              /* NULL with metrics = off */
	struct emf_encoder emf;
	uint64_t started_mono_ms;
	uint64_t started_wall_ms;
	struct collection col;
	/* WatchdogSec=: "WATCHDOG=1" every watchdog_ms from the loop; 0: none. */
	unsigned long watchdog_ms;
	uint64_t watchdog_at_ms;
	bool stop;
};

static void identity_opts_from(const struct daemon *d, struct identity_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->paths = &d->opts->paths;
	o->type_override = d->opts->type_override ? d->opts->type_override
						  : d->cfg.instance_type;
	o->override_from = d->opts->type_override ? "--instance-type" : "the config";
	o->imds_enabled = d->cfg.imds_enabled;
	o->imds.endpoint = d->cfg.imds_endpoint[0] ? d->cfg.imds_endpoint : NULL;
}

/* persist: the daemon saves the credit estimate; `perfagent metrics` must not. */
static void start_cpuwatch(struct daemon *d, bool persist)
{
	struct cpuwatch_opts o = {
		.credit_mode = d->cfg.credit_mode,
		.credit_start_balance = d->cfg.credit_start_balance,
	};

	cpuwatch_start(&d->cpu, &d->opts->paths, &d->id, &o, persist);
}

/* A new run of the encoder (init) or the same run with new settings. */
static void start_emf(struct daemon *d, bool init)
{
	struct emf_opts o = {
		.namespace = d->cfg.emf_namespace,
		.log_group = d->cfg.emf_log_group,
		.dimsets = &d->cfg.dimension_sets,
		.filter = &d->cfg.metric_filter,
	};
	const struct metric_filter *f = o.filter;

	/* Lists that do nothing are a mistake worth one line, not an error. */
	if (f->level != METRIC_LEVEL_CUSTOM && (f->n_include || f->n_exclude))
		log_warn("metrics_include and metrics_exclude apply only with metrics_level = "
			 "custom; metrics_level = %s sends its own list", metric_level_name(f->level));

	if (init)
		emf_encoder_init(&d->emf, &o, &d->id);
	else
		emf_encoder_configure(&d->emf, &o, &d->id);
}

static void detect_identity(struct daemon *d)
{
	struct identity_opts o;

	identity_opts_from(d, &o);
	identity_detect(&o, &d->id);
	if (d->id.is_ec2)
		log_info("instance %s, type %s (from %s)", d->id.instance_id[0] ?
			 d->id.instance_id : "(id unknown)", d->id.instance_type[0] ?
			 d->id.instance_type : "(unknown)", identity_source_name(d->id.source));
	else
		log_info("%s", d->id.note[0] ? d->id.note : "not an EC2 instance");
}

/* The configuration's tuning options, with the daemon's PM QoS holder. */
static void tuning_opts_of(struct daemon *d, struct tuning_opts *o)
{
	config_tuning_opts(&d->cfg, o);
	o->pmqos = &d->pmqos;
}

static void run_tuning_as(struct daemon *d, bool apply)
{
	struct tuning_opts o;

	tuning_opts_of(d, &o);
	tuning_run(&d->tuning, &d->opts->paths, &o, &d->id, apply);
}

/* mode = apply tunes; mode = advise only plans (status shows the plan). */
static void run_tuning(struct daemon *d)
{
	run_tuning_as(d, d->cfg.mode == MODE_APPLY);
}

static void apply_log_level(const struct daemon *d)
{
	enum log_level level = d->cfg.log_level;

	if (d->opts->log_level)
		log_level_parse(d->opts->log_level, &level);
	log_set_level(level);
}

static int arm_timer(struct daemon *d)
{
	struct itimerspec its = {
		.it_interval = { .tv_sec = d->cfg.interval_s },
		.it_value = { .tv_sec = d->cfg.interval_s },
	};

	return timerfd_settime(d->timer.fd, 0, &its, NULL) < 0 ? -errno : 0;
}

static void configure_probes(struct daemon *d)
{
	const char *disabled[CONFIG_MAX_PROBES + 1];

	config_disabled_probes(&d->cfg, disabled);
	probes_set_block_sample(d->probes, d->cfg.block_sample);
	probes_configure(d->probes, disabled);
}

static size_t probes_running(const struct daemon *d)
{
	size_t n = 0;

	for (size_t i = 0; i < probes_count(); i++)
		n += probes_status(d->probes, i)->state == PROBE_RUNNING;
	return n;
}

static void send_status_line(const struct daemon *d)
{
	char layers[PROFILE_MAX_LAYERS * (PROFILE_NAME_MAX + 2)];

	profile_layers_text(d->tuning.choice.layers, d->tuning.choice.n_layers, layers,
			    sizeof(layers));
	notify_status("%s, profile %s%s, %zu/%zu probes running, every %u s",
		      d->id.instance_type[0] ? d->id.instance_type : "not EC2", layers,
		      d->tuning.error[0] ? " (error)" : d->tuning.applied ? " applied" : " (advise)",
		      probes_running(d), probes_count(), d->cfg.interval_s);
}

/* Reads the probes: rates over the time since the last sample. */
static void sample(struct daemon *d)
{
	cpuwatch_sample(&d->cpu, &d->opts->paths);
	d->col.count++;
	d->col.last_wall_ms = util_now_wall_ms();
}

/* What verify would say now: only after an apply, when a journal exists. */
static void add_drift_metric(const struct daemon *d, struct metric_entity *inst)
{
	struct tune_report rep = { 0 };
	struct tuning_ctx t;

	if (!d->tuning.applied)
		return;
	config_tuning_ctx(&d->cfg, &d->opts->paths, &t);
	if (tune_verify(&t.ctx, &rep) == 0 && rep.have_journal)
		metric_add(inst, "TuningKnobsDrifted", UNIT_COUNT, rep.counts.drifted);
	tune_report_free(&rep);
}

static void add_tuning_metrics(const struct daemon *d, struct metric_entity *inst)
{
	const struct tune_counts *c = &d->tuning.plan.counts;

	if (!d->tuning.ran || d->tuning.error[0])
		return;
	metric_add(inst, "TuningKnobsApplied", UNIT_COUNT, c->applied);
	metric_add(inst, "TuningKnobsSkipped", UNIT_COUNT, c->skipped);
	metric_add(inst, "TuningKnobsFailed", UNIT_COUNT, c->failed);
	add_drift_metric(d, inst);
}

/*
 * One interval's metrics, by entity. Every name added here is in
 * packaging/metrics-catalogue.md; a new one goes there too.
 */
static void build_metrics(struct daemon *d, struct metric_set *set)
{
	struct metric_entity *inst;

	/* The instance first, so its document comes first. */
	if (!metric_set_entity(set, ENTITY_INSTANCE, ""))
		return;
	/* The probes' metrics: context switches, latencies, block devices, TCP. */
	probes_collect(d->probes, set);
	ena_collect(&d->ena, &d->opts->paths, util_now_mono_ms(), set);
	/* After the probes: it reads the block probe's host-side latency from set. */
	nvme_stats_collect(&d->nvme, &d->opts->paths, util_now_mono_ms(), set);
	/*
	 * Only now: the collectors above add entities, which may move the
	 * array (a pointer taken before was freed memory past 8 entities).
	 */
	inst = metric_set_entity(set, ENTITY_INSTANCE, "");
	cpuwatch_add_metrics(&d->cpu, inst);
	add_tuning_metrics(d, inst);
	follow_add_metrics(&d->follow, inst);
	adaptive_add_metrics(&d->adaptive, inst);
	netcounters_collect(&d->netc, &d->opts->paths, d->cfg.interval_s, inst);
	listeners_collect(&d->listeners);
	listeners_add_metrics(&d->listeners, d->cfg.interval_s, inst);
	if (d->sink)
		sink_report(d->sink, inst, d->emf.sink_error, sizeof(d->emf.sink_error));
}

static int submit_doc(void *ctx, const char *doc, size_t len)
{
	return sink_submit(ctx, doc, len);
}

/* Encodes this interval as EMF and hands it to the sink. */
/*
 * One interval: samples, then builds its metrics. Collectors keep state
 * between intervals, so this runs exactly once per interval, whether or not
 * the metrics are sent.
 */
static void run_interval(struct daemon *d, struct metric_set *set)
{
	struct metric_entity *inst;

	sample(d);
	metric_set_init(set, d->col.last_wall_ms, d->cfg.interval_s);
	build_metrics(d, set);
	/* Status shows the rate the probes already computed for the metrics. */
	inst = metric_set_entity(set, ENTITY_INSTANCE, "");
	d->col.ctxsw_valid = inst && metric_find(inst, "ContextSwitches", &d->col.ctxsw_per_s);
	if (d->col.ctxsw_valid)
		log_debug("collection %llu: %.0f context switches/s",
			  (unsigned long long)d->col.count, d->col.ctxsw_per_s);
}

/*
 * Leaves out the devices not reported (interfaces =, devices =). After the
 * adaptive rules, which act on any interface a profile names, whether or
 * not its metrics are sent.
 */
static void keep_reported(const struct daemon *d, struct metric_set *set)
{
	struct devfilter_opts filter = { .paths = &d->opts->paths,
		.interfaces = &d->cfg.interfaces, .devices = &d->cfg.devices };

	devfilter_apply(&filter, set);
}

static void publish(struct daemon *d, const struct metric_set *set)
{
	int ret = emf_encode(&d->emf, set, submit_doc, d->sink);

	d->col.documents = ret < 0 ? 0 : ret;
	if (ret < 0)
		log_warn("EMF: this interval's metrics were not queued: %s", strerror(-ret));
}

/* The adaptive rules decide on this interval's metrics (daemon only, never `metrics`). */
static void run_adaptive(struct daemon *d, const struct metric_set *set)
{
	struct adaptive_env env;
	struct tuning_opts o;
	char ports[256];

	tuning_opts_of(d, &o);
	listeners_top_text(&d->listeners, ports, sizeof(ports));
	env = (struct adaptive_env){ .paths = &d->opts->paths, .opts = &o, .tuning = &d->tuning,
				     .apply = d->cfg.mode == MODE_APPLY, .listen_drops = ports };
	adaptive_interval(&d->adaptive, &env, set);
}

/* Keeps the interval's metrics and its measured length for status' health. */
static void keep_last(struct daemon *d, struct metric_set *set)
{
	uint64_t now = util_now_mono_ms();

	d->col.span_s = (now - (d->col.have_last ? d->col.last_mono_ms : d->started_mono_ms)) /
			1000.0;
	d->col.last_mono_ms = now;
	if (d->col.have_last)
		metric_set_free(&d->col.last);
	d->col.last = *set;
	d->col.have_last = true;
}

static void collect(struct daemon *d)
{
	struct metric_set set;

	run_interval(d, &set);
	run_adaptive(d, &set);
	keep_reported(d, &set);
	if (d->sink)
		publish(d, &set);
	keep_last(d, &set);
}

/*
 * The "health" member of status: the last interval judged (daemon/health.h).
 * journal: a journal of this boot holds applied knobs (the verify status ran);
 * knobs_set: how many of them perfagent changed (a re-plan finds them right
 * and writes nothing: its own count would say 0).
 */
static struct json_object *daemon_health_json(const struct daemon *d, bool journal,
					      uint64_t knobs_set)
{
	const struct tune_counts *c = &d->tuning.plan.counts;
	struct health_window w = {
		.span_s = d->col.span_s, .interval_s = d->cfg.interval_s,
		.at_wall_ms = d->col.last_wall_ms, .first = d->col.count <= 1,
	};
	struct health_tuning t = {
		.ran = d->tuning.ran, .advise = d->cfg.mode == MODE_ADVISE, .error = d->tuning.error,
		.changes = d->tuning.applied ? knobs_set : c->set, .journal = journal,
	};

	struct probe_status probes[8];
	size_t n = 0;

	for (size_t i = 0; i < probes_count() && n < sizeof(probes) / sizeof(probes[0]); i++)
		probes[n++] = *probes_status(d->probes, i);
	return health_json(d->col.have_last ? &d->col.last : NULL, &w, &t, probes, n);
}

static void sink_opts_from(const struct daemon *d, struct sink_opts *o, char *path, size_t size)
{
	memset(o, 0, sizeof(*o));
	o->endpoint = d->cfg.emf_endpoint;
	o->max_documents = d->cfg.spool_max_documents;
	o->max_bytes = d->cfg.spool_max_bytes;
	if (d->cfg.spool_persist &&
	    !util_join(path, size, "%s/%s", d->opts->paths.state_dir, SINK_SPOOL_FILE))
		o->persist_path = path;
}

/* metrics = on starts the sink, off stops it (its spool saved); else new settings. */
static void configure_sink(struct daemon *d)
{
	char path[PATH_MAX];
	struct sink_opts o;

	if (!d->cfg.metrics_enabled) {
		sink_free(d->sink);
		d->sink = NULL;
		return;
	}
	sink_opts_from(d, &o, path, sizeof(path));
	if (d->sink && sink_configure(d->sink, &o))
		log_error("EMF sink: endpoint %s refused; keeping the old one", d->cfg.emf_endpoint);
	if (!d->sink)
		d->sink = sink_new(&d->loop, &o);
	if (!d->sink)
		log_error("cannot start the EMF sink: out of memory; metrics are not sent");
}

/* Identity depends on these settings only; anything else keeps the old one. */
static bool identity_settings_changed(const struct pa_config *a, const struct pa_config *b)
{
	return strcmp(a->instance_type, b->instance_type) || a->imds_enabled != b->imds_enabled ||
	       strcmp(a->imds_endpoint, b->imds_endpoint);
}

/* Each error of a configuration on a line of its own (not rate-limited: one site, many lines). */
static void log_config_errors(const struct lp_errors *errs, const char *what)
{
	for (int i = 0; i < errs->n && i < LP_MAX_ERRORS; i++)
		log_msg_site(LOG_LVL_ERROR, &errs->e[i], "%s: %s", what, errs->e[i].text);
	if (errs->n > LP_MAX_ERRORS)
		log_error("%s: and %d more errors not shown", what, errs->n - LP_MAX_ERRORS);
}

/* An invalid new config changes nothing: the running one stays in force. */
static int reload(struct daemon *d, char *msg, size_t msgsize)
{
	struct pa_config next;
	struct lp_errors errs;
	bool redetect, rearm;
	int ret;

	notify_reloading();
	d->reload_wall_ms = util_now_wall_ms();
	ret = config_load(&next, &d->opts->paths, d->opts->config_must_exist, &errs);
	if (ret) {
		log_config_errors(&errs, "reload failed, keeping the running configuration");
		lp_errors_format(&errs, "; ", d->reload_error, sizeof(d->reload_error));
	} else {
		struct tuning_opts layers;

		/* Profiles named that do not load are the configuration's error too. */
		config_tuning_opts(&next, &layers);
		ret = tuning_check_layers(&d->opts->paths, &layers, d->reload_error,
					  sizeof(d->reload_error));
		if (ret)
			log_error("reload failed, keeping the running configuration: %s",
				  d->reload_error);
	}
	if (ret) {
		snprintf(msg, msgsize, "configuration invalid, nothing changed: %s",
			 d->reload_error);
		notify_ready("reload failed; running configuration unchanged");
		return CTL_INVALID_CONFIG;
	}
	d->reload_error[0] = '\0';
	redetect = identity_settings_changed(&d->cfg, &next);
	/* Re-armed only for a new interval: reloads in a row must not starve collection. */
	rearm = d->cfg.interval_s != next.interval_s;
	d->cfg = next;
	apply_log_level(d);
	if (rearm)
		arm_timer(d);
	if (d->ctl)
		ctl_server_chmod(d->ctl, d->cfg.control_socket_mode);
	if (redetect)
		detect_identity(d);
	/* The estimate is saved and loaded back: credit settings may have changed. */
	cpuwatch_save(&d->cpu, &d->opts->paths);
	start_cpuwatch(d, true);
	start_emf(d, false);
	configure_sink(d);
	run_tuning(d);
	configure_probes(d);
	log_info("configuration reloaded (%d file%s)", d->cfg.n_files,
		 d->cfg.n_files == 1 ? "" : "s");
	notify_ready("reloaded");
	send_status_line(d);
	return 0;
}

static void on_signal(struct ev_source *src, uint32_t events)
{
	struct daemon *d = (struct daemon *)((char *)src - offsetof(struct daemon, signals));
	struct signalfd_siginfo si;
	char msg[512];
	bool hup = false;

	/* Drained first, then one reload: a SIGHUP arriving during each reload must not
	 * keep the loop here, away from the collection timer. */
	while (read(src->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			hup = true;
		} else {
			log_info("%s: stopping", strsignal(si.ssi_signo));
			d->stop = true;
		}
	}
	if (hup && !d->stop) {
		log_info("SIGHUP: reloading the configuration");
		reload(d, msg, sizeof(msg));
	}
}

static void follow_env_of(struct daemon *d, struct follow_env *env, struct tuning_opts *o)
{
	tuning_opts_of(d, o);
	*env = (struct follow_env){ .paths = &d->opts->paths, .opts = o, .id = &d->id,
				    .tuning = &d->tuning, .apply = d->cfg.mode == MODE_APPLY };
}

/* A hot-plug burst: journal entries follow the devices, then the profile is planned again. */
static void on_hotplug(const struct hotplug_burst *burst, void *arg)
{
	struct daemon *d = arg;
	struct follow_env env;
	struct tuning_opts o;

	follow_env_of(d, &env, &o);
	follow_burst(&d->follow, &env, burst);
	send_status_line(d);
}

static void start_hotplug(struct daemon *d)
{
	d->hotplug = hotplug_start(&d->loop, on_hotplug, d, d->hotplug_error,
				   sizeof(d->hotplug_error));
	if (d->hotplug_error[0])
		log_warn("hot-plug: %s", d->hotplug_error);
}

static void on_timer(struct ev_source *src, uint32_t events)
{
	struct daemon *d = (struct daemon *)((char *)src - offsetof(struct daemon, timer));
	struct follow_env env;
	struct tuning_opts o;
	uint64_t expirations;

	if (read(src->fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	collect(d);
	follow_env_of(d, &env, &o);
	follow_interval(&d->follow, &env);
}

static struct json_object *agent_json(const struct daemon *d)
{
	struct json_object *a = json_object_new_object();
	struct json_object *files = json_object_new_array();
	struct json_object *reload = json_object_new_object();
	char note[PATH_MAX + 64] = "";

	for (int i = 0; i < d->cfg.n_files; i++)
		json_object_array_add(files, json_object_new_string(d->cfg.files[i]));
	if (d->cfg.main_file_missing)
		snprintf(note, sizeof(note), "no %s; built-in defaults",
			 d->opts->paths.config_file);
	json_object_object_add(a, "version", json_object_new_string(PERFAGENT_VERSION));
	json_object_object_add(a, "pid", json_object_new_int(getpid()));
	json_object_object_add(a, "started_at", json_time_or_null(d->started_wall_ms));
	json_object_object_add(a, "uptime_s", json_object_new_int64(
		(util_now_mono_ms() - d->started_mono_ms) / 1000));
	json_object_object_add(a, "mode", json_object_new_string(config_mode_name(d->cfg.mode)));
	json_object_object_add(a, "log_level",
			       json_object_new_string(log_level_name(log_get_level())));
	json_object_object_add(a, "config_files", files);
	json_object_object_add(a, "config_note", json_str_or_null(note));
	json_object_object_add(reload, "at", json_time_or_null(d->reload_wall_ms));
	json_object_object_add(reload, "ok", json_object_new_boolean(!d->reload_error[0]));
	json_object_object_add(reload, "error", json_str_or_null(d->reload_error));
	json_object_object_add(a, "last_reload", reload);
	json_object_object_add(a, "control_clients",
			       json_object_new_int(d->ctl ? ctl_server_clients(d->ctl) : 0));
	return a;
}


static struct json_object *collection_json(const struct daemon *d)
{
	struct json_object *c = json_object_new_object();

	json_object_object_add(c, "interval_s", json_object_new_int(d->cfg.interval_s));
	json_object_object_add(c, "count", json_object_new_int64(d->col.count));
	json_object_object_add(c, "last_at", json_time_or_null(d->col.last_wall_ms));
	json_object_object_add(c, "context_switches_per_s", d->col.ctxsw_valid ?
			       json_object_new_double(d->col.ctxsw_per_s) : NULL);
	json_object_object_add(c, "emf_documents", json_object_new_int(d->col.documents));
	json_object_object_add(c, "emf_metrics_left_out", json_object_new_int64(
		d->emf.dropped_nonfinite + d->emf.dropped_invalid));
	json_object_object_add(c, "metrics_level", json_object_new_string(
		metric_level_name(d->cfg.metric_filter.level)));
	return c;
}

/* The CPU watch's status, with who used the CPU in the last hour. */
static struct json_object *cpu_json(const struct daemon *d)
{
	struct json_object *cpu = cpuwatch_status_json(&d->cpu);

	json_object_object_add(cpu, "consumers", cpushare_json(d->cpushare, util_now_mono_ms(),
							       d->cpu.spec != NULL));
	return cpu;
}

static struct json_object *status_json(const struct daemon *d)
{
	struct json_object *s = json_object_new_object();
	struct tuning_opts tuning;
	bool journal;

	config_tuning_opts(&d->cfg, &tuning);
	json_object_object_add(s, "agent", agent_json(d));
	json_object_object_add(s, "identity", identity_to_json(&d->id));
	json_object_object_add(s, "profile", tuning_state_json(&d->tuning, &d->opts->paths,
							      &tuning));
	json_object_object_add(s, "follow", follow_json(&d->follow, d->hotplug,
							d->hotplug_error));
	json_object_object_add(s, "adaptive", adaptive_json(&d->adaptive));
	json_object_object_add(s, "listen_drops", listeners_json(&d->listeners));
	json_object_object_add(s, "probes", probes_status_json(d->probes));
	json_object_object_add(s, "cpu", cpu_json(d));
	json_object_object_add(s, "ena", ena_status_json(&d->ena, &d->opts->paths,
							 util_now_mono_ms()));
	/* host-wide, but what ENA's best practices read beside the NIC's counters */
	if (json_at_object(s, "ena"))
		json_object_object_add(json_at_object(s, "ena"), "softnet",
				       softnet_status_json(&d->netc.softnet));
	json_object_object_add(s, "storage", nvme_status_json(&d->nvme, util_now_mono_ms()));
	json_object_object_add(s, "collection", collection_json(d));
	/* the verify the profile member ran: do knobs applied in this boot remain? */
	journal = json_at_bool(s, "profile.verify.journal");
	json_object_object_add(s, "health", daemon_health_json(d, journal, (uint64_t)json_at_int(
		s, "profile.verify.knobs_set")));
	json_object_object_add(s, "sink", sink_status_json(d->sink));
	json_object_object_add(s, "pmqos", pmqos_json(&d->pmqos, &d->opts->paths));
	return s;
}

static int revert(struct daemon *d, struct json_object **result, char *msg, size_t msgsize)
{
	struct tune_report rep = { 0 };
	struct tuning_ctx t;
	int ret;

	config_tuning_ctx(&d->cfg, &d->opts->paths, &t);
	t.ctx.pmqos = &d->pmqos;        /* revert releases the hold */
	ret = tune_revert(&t.ctx, &rep);
	if (ret && rep.counts.restored)
		snprintf(msg, msgsize, "%s (after restoring %u knobs)", rep.error,
			 rep.counts.restored);
	else if (ret)
		snprintf(msg, msgsize, "%s", rep.error);
	else
		*result = tune_report_json(&rep);
	if (!ret)
		log_info("reverted on request: %u restored, %u left as changed by someone else",
			 rep.counts.restored, rep.counts.overridden);
	tune_report_free(&rep);
	return ret;
}

static int handle_request(void *ctx, const struct ctl_command *cmd, struct json_object **result,
			  char *msg, size_t msgsize)
{
	struct daemon *d = ctx;

	if (strcmp(cmd->name, "status") == 0) {
		*result = status_json(d);
		return 0;
	}
	if (strcmp(cmd->name, "histograms") == 0) {
		*result = probes_histograms_json(d->probes);
		return *result ? 0 : -ENOMEM;
	}
	if (strcmp(cmd->name, "reload") == 0) {
		int ret = reload(d, msg, msgsize);

		if (ret)
			return ret;
		*result = json_object_new_object();
		json_object_object_add(*result, "reloaded", json_object_new_boolean(1));
		return 0;
	}
	if (strcmp(cmd->name, "apply") == 0) {
		run_tuning_as(d, true);
		send_status_line(d);
		if (d->tuning.error[0]) {
			snprintf(msg, msgsize, "%s", d->tuning.error);
			return -EIO;
		}
		*result = tune_plan_json(&d->tuning.plan);
		return 0;
	}
	if (strcmp(cmd->name, "revert") == 0)
		return revert(d, result, msg, msgsize);
	*result = json_object_new_object();
	json_object_object_add(*result, "version", json_object_new_string(PERFAGENT_VERSION));
	return 0;
}

static int setup_signals(struct daemon *d)
{
	sigset_t mask;

	/* Writes to a vanished peer must return EPIPE, not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	d->signals.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->signals.fd < 0)
		return -errno;
	d->signals.handle = on_signal;
	return evloop_add(&d->loop, &d->signals, EPOLLIN);
}

static int setup_timer(struct daemon *d)
{
	d->timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->timer.fd < 0)
		return -errno;
	d->timer.handle = on_timer;
	if (arm_timer(d) < 0)
		return -errno;
	return evloop_add(&d->loop, &d->timer, EPOLLIN);
}

static int load_config(struct daemon *d)
{
	struct lp_errors errs;

	if (config_load(&d->cfg, &d->opts->paths, d->opts->config_must_exist, &errs) == 0) {
		if (d->cfg.main_file_missing)
			log_info("no %s: running with built-in defaults",
				 d->opts->paths.config_file);
		return 0;
	}
	log_config_errors(&errs, "invalid configuration");
	log_error("check it with 'perfagent daemon --check-config'");
	return -EINVAL;
}

/*
 * Tells the service manager the loop still turns. Sent only from the loop,
 * between events: a handler that never returns stops it, and systemd then
 * restarts the daemon (WatchdogSec=, Restart=on-failure).
 */
static void pet_watchdog(struct daemon *d, uint64_t now)
{
	notify_send("WATCHDOG=1");
	d->watchdog_at_ms = now + d->watchdog_ms;
}

/*
 * Who used the CPU counts from ready: the agent's own start-up (loading
 * its BPF programs) is not the host's top consumer.
 */
static void restart_cpushare(struct daemon *d)
{
	struct cpushare *fresh = cpushare_new();

	if (!fresh)
		return;
	probes_set_cpushare(d->probes, fresh);
	cpushare_free(d->cpushare);
	d->cpushare = fresh;
}

static int start(struct daemon *d)
{
	char sock[PATH_MAX], err[512];
	int ret;

	d->started_mono_ms = util_now_mono_ms();
	d->started_wall_ms = util_now_wall_ms();
	if (load_config(d))
		return EXIT_CONFIG;
	apply_log_level(d);
	log_info("perfagent %s starting (pid %d)", PERFAGENT_VERSION, (int)getpid());
	ret = evloop_init(&d->loop);
	if (!ret)
		ret = setup_signals(d);
	if (!ret)
		ret = setup_timer(d);
	if (ret) {
		log_error("cannot set up the event loop: %s", strerror(-ret));
		return EXIT_FAILURE;
	}
	/* The socket first: a second daemon must stop here, before it tunes anything. */
	if (paths_socket(&d->opts->paths, sock, sizeof(sock)) < 0) {
		log_error("runtime directory path too long: %s", d->opts->paths.runtime_dir);
		return EXIT_FAILURE;
	}
	d->ctl = ctl_server_start(&d->loop, sock, d->cfg.control_socket_mode, handle_request, d,
				  err, sizeof(err));
	if (!d->ctl) {
		log_error("control socket: %s", err);
		return EXIT_FAILURE;
	}
	if (util_mkdir_p(d->opts->paths.state_dir, 0755) < 0)
		log_warn("cannot create state directory %s: %s; the identity will not be cached "
			 "and nothing can be tuned", d->opts->paths.state_dir, strerror(errno));
	else if ((ret = util_remove_stale_temps(d->opts->paths.state_dir)) > 0)
		log_info("state directory %s: removed %d temporary files a crash left",
			 d->opts->paths.state_dir, ret);
	detect_identity(d);
	start_cpuwatch(d, true);
	ena_init(&d->ena);
	nvme_stats_init(&d->nvme);
	start_emf(d, true);
	run_tuning(d);
	start_hotplug(d);
	configure_sink(d);
	d->probes = probes_new();
	d->cpushare = cpushare_new();
	if (!d->probes || !d->cpushare)
		return EXIT_FAILURE;
	probes_set_cpushare(d->probes, d->cpushare);
	configure_probes(d);
	/* A first sample now, so rates are ready one interval after start. */
	collect(d);
	restart_cpushare(d);
	log_info("ready: control socket %s, collecting every %u s", sock, d->cfg.interval_s);
	notify_ready("ready");
	d->watchdog_ms = notify_watchdog_period_ms();
	if (d->watchdog_ms) {
		log_info("service manager watchdog: a keep-alive every %lu ms", d->watchdog_ms);
		pet_watchdog(d, util_now_mono_ms());
	}
	send_status_line(d);
	return EXIT_OK;
}

static void stop(struct daemon *d)
{
	char msg[TUNE_MSG_MAX];
	struct json_object *rep = NULL;

	notify_send("STOPPING=1");
	/* By default tuning outlives the daemon: a restart must not cause a dip. */
	if (d->cfg.revert_on_stop && d->tuning.applied && revert(d, &rep, msg, sizeof(msg)))
		log_error("revert on stop failed: %s", msg);
	json_object_put(rep);
	/* A PM QoS hold cannot outlive the daemon: the kernel drops it at exit anyway. */
	pmqos_release(&d->pmqos);
	tuning_state_free(&d->tuning);
	cpuwatch_save(&d->cpu, &d->opts->paths);
	ctl_server_stop(d->ctl);
	hotplug_stop(d->hotplug, &d->loop);
	adaptive_free(&d->adaptive);
	listeners_free(&d->listeners);
	/* What the agent has not taken is saved to the state directory (spool_persist). */
	sink_free(d->sink);
	probes_free(d->probes);
	cpushare_free(d->cpushare);
	if (d->col.have_last)
		metric_set_free(&d->col.last);
	ena_free(&d->ena);
	netcounters_free(&d->netc);
	nvme_stats_free(&d->nvme);
	if (d->timer.fd > 0)
		close(d->timer.fd);
	if (d->signals.fd > 0)
		close(d->signals.fd);
	evloop_fini(&d->loop);
}

/* The nearer of two timeouts in ms, -1 meaning none. */
static int nearer(int a, int b)
{
	if (a < 0 || b < 0)
		return a < 0 ? b : a;
	return a < b ? a : b;
}

/* The nearest deadline: control clients, sink, watchdog, a hot-plug burst; -1: none. */
static int next_timeout(const struct daemon *d)
{
	uint64_t now = util_now_mono_ms();
	int t = nearer(d->ctl ? ctl_server_next_timeout(d->ctl, now) : -1,
		       d->sink ? sink_next_timeout(d->sink, now) : -1);

	if (d->watchdog_ms)
		t = nearer(t, d->watchdog_at_ms > now ? (int)(d->watchdog_at_ms - now) : 0);
	return nearer(t, hotplug_next_timeout(d->hotplug, now));
}

int daemon_run(const struct daemon_opts *opts)
{
	struct daemon d = { .opts = opts, .timer.fd = -1, .signals.fd = -1, .loop.epfd = -1 };
	int ret;

	ret = start(&d);
	while (ret == EXIT_OK && !d.stop) {
		if (evloop_run_once(&d.loop, next_timeout(&d)) < 0) {
			log_error("event loop failed: %s", strerror(errno));
			ret = EXIT_FAILURE;
		}
		ctl_server_expire(d.ctl, util_now_mono_ms());
		if (d.sink)
			sink_tick(d.sink, util_now_mono_ms());
		hotplug_tick(d.hotplug, util_now_mono_ms());
		if (d.watchdog_ms && util_now_mono_ms() >= d.watchdog_at_ms)
			pet_watchdog(&d, util_now_mono_ms());
	}
	stop(&d);
	if (ret == EXIT_OK)
		log_info("stopped");
	return ret;
}

/* ---- `perfagent metrics`: the daemon's collection, without the daemon ---- */

static int print_doc(void *ctx, const char *doc, size_t len)
{
	fwrite(doc, 1, len, ctx);
	fputc('\n', ctx);
	return 0;
}

static void print_table(const struct metric_set *set, FILE *out)
{
	static const char *const kinds[] = {
		[ENTITY_INSTANCE] = "instance", [ENTITY_INTERFACE] = "interface",
		[ENTITY_BLOCK_DEVICE] = "device",
	};
	char when[32], entity[METRIC_ENTITY_NAME_MAX + 16];

	util_format_time(set->timestamp_ms, when, sizeof(when));
	fprintf(out, "%s, interval %u s\n%-26s %-30s %16s  %s\n", when, set->interval_s,
		"ENTITY", "METRIC", "VALUE", "UNIT");
	for (size_t i = 0; i < set->n; i++) {
		const struct metric_entity *e = &set->entities[i];

		snprintf(entity, sizeof(entity), "%s%s%s", kinds[e->kind], e->name[0] ? " " : "",
			 e->name);
		for (size_t j = 0; j < e->n; j++) {
			const struct metric *m = &e->metrics[j];

			fprintf(out, "%-26s %-30s %16.15g  %s%s", entity, m->name, m->value,
				metric_unit_name(m->unit),
				isfinite(m->value) ? "" : " (not finite: left out of EMF)");
			/* EMF sends the values; a mean is what fits a column. */
			if (m->dist)
				fprintf(out, " (mean of a distribution: %.0f samples in %zu values)",
					m->dist->count, m->dist->n);
			fputc('\n', out);
		}
	}
}

/* One interval printed: 0, or the errno of a write that failed (EPIPE: the reader left). */
static int print_interval(struct daemon *d, bool emf)
{
	struct metric_set set;
	int err = 0;

	run_interval(d, &set);
	keep_reported(d, &set);
	errno = 0;
	if (emf)
		emf_encode(&d->emf, &set, print_doc, stdout);
	else
		print_table(&set, stdout);
	if (fflush(stdout) == EOF || ferror(stdout))
		err = errno ? errno : EIO;
	metric_set_free(&set);
	return err;
}

/*
 * The cost of one interval's documents. The tuning and sink metrics exist
 * only in the daemon: they are added (value 0) so that they count as the
 * daemon would send them.
 */
static int print_cost(struct daemon *d, bool json)
{
	struct metric_entity *inst;
	struct metric_set set;
	struct emf_cost c;
	double v;
	int ret = EXIT_FAILURE;

	if (emf_cost_init(&c))
		return EXIT_FAILURE;
	run_interval(d, &set);
	keep_reported(d, &set);
	inst = metric_set_entity(&set, ENTITY_INSTANCE, "");
	for (size_t i = 0; inst && metric_daemon_only[i]; i++)
		if (!metric_find(inst, metric_daemon_only[i], &v) &&
		    metric_add(inst, metric_daemon_only[i], UNIT_COUNT, 0))
			inst = NULL;
	if (inst && emf_encode(&d->emf, &set, emf_cost_add_doc, &c) >= 0) {
		const char *level = metric_level_name(d->cfg.metric_filter.level);

		if (json) {
			struct json_object *j = emf_cost_json(&c, level);

			printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
				JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(j);
		} else {
			emf_cost_print(&c, level, stdout);
		}
		ret = EXIT_OK;
	}
	metric_set_free(&set);
	emf_cost_free(&c);
	return ret;
}

static void print_probe_notes(const struct daemon *d)
{
	for (size_t i = 0; i < probes_count(); i++) {
		const struct probe_status *st = probes_status(d->probes, i);

		if (st->state != PROBE_RUNNING)
			fprintf(stderr, "perfagent metrics: probe %s %s%s%s\n", st->name,
				probe_state_name(st->state), st->reason ? ": " : "",
				st->reason ? st->reason : "");
	}
}

int daemon_metrics(const struct daemon_metrics_opts *o)
{
	struct daemon_opts opts = { .paths = *o->paths };
	/* Big (identity inventory): off the stack. */
	struct daemon *d = calloc(1, sizeof(*d));
	struct metric_set set;
	int ret = EXIT_FAILURE;

	if (!d)
		return EXIT_FAILURE;
	ena_init(&d->ena);
	nvme_stats_init(&d->nvme);
	d->opts = &opts;
	d->cfg = *o->cfg;
	d->cfg.interval_s = o->interval_s;
	d->id = *o->id;
	start_cpuwatch(d, false);
	start_emf(d, true);
	d->probes = probes_new();
	if (!d->probes)
		goto out;
	configure_probes(d);
	print_probe_notes(d);
	/* The first interval only sets the baselines that rates are taken from. */
	run_interval(d, &set);
	metric_set_free(&set);
	if (o->cost) {
		interrupt_sleep(o->interval_s);
		ret = print_cost(d, o->json);
		goto out;
	}
	/* Streaming ends on Ctrl-C, SIGTERM or a closed pipe, with 0 (as status --watch). */
	if (!o->once)
		interrupt_catch();
	do {
		int err;

		interrupt_sleep(o->interval_s);
		if (interrupted())
			break;
		err = print_interval(d, o->emf);
		if (err == EPIPE && !o->once)
			break;
		if (err) {
			fprintf(stderr, "perfagent metrics: cannot write the output: %s\n",
				strerror(err));
			goto out;
		}
	} while (!o->once);
	ret = EXIT_OK;
out:
	probes_free(d->probes);
	ena_free(&d->ena);
	netcounters_free(&d->netc);
	nvme_stats_free(&d->nvme);
	listeners_free(&d->listeners);
	free(d);
	return ret;
}
