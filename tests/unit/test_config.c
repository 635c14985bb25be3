// SPDX-License-Identifier: GPL-2.0-only
/* Config parser: good and bad lines, messages, drop-in order, defaults. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "core/util.h"
#include "probes/probes.h"

static int parse(struct pa_config *cfg, const char *text, struct lp_errors *err)
{
	config_defaults(cfg);
	return config_parse_buf(cfg, text, strlen(text), "test.conf", err);
}

static void test_defaults(void **state)
{
	struct pa_config cfg;
	char buf[256];

	config_defaults(&cfg);
	assert_int_equal(cfg.interval_s, 60);
	assert_int_equal(cfg.log_level, LOG_LVL_INFO);
	assert_int_equal(cfg.mode, MODE_APPLY);
	assert_true(cfg.imds_enabled);
	assert_int_equal(cfg.control_socket_mode, 0666);
	assert_string_equal(cfg.instance_type, "");
	assert_true(cfg.metrics_enabled);
	assert_string_equal(cfg.emf_endpoint, "");
	assert_string_equal(cfg.emf_namespace, "PerfAgent");
	assert_string_equal(cfg.emf_log_group, "/perfagent/metrics");
	assert_int_equal(cfg.spool_max_documents, 1000000);
	assert_int_equal(cfg.spool_max_bytes, 6 << 20);
	assert_true(cfg.spool_persist);
	assert_int_equal(cfg.block_sample, PROBES_SAMPLE_OFF);
	emf_dimsets_format(&cfg.dimension_sets, buf, sizeof(buf));
	assert_string_equal(buf, "InstanceId; AutoScalingGroupName; InstanceType");
	assert_int_equal(cfg.interfaces.n, 0);
	assert_int_equal(cfg.devices.n, 0);
	assert_int_equal(cfg.metric_filter.level, METRIC_LEVEL_BASIC);
}

static void test_good_lines(void **state)
{
	struct pa_config cfg;
	struct lp_errors err;
	const char *text =
		"# full-line comment\n"
		"; also a comment\n"
		"\n"
		"interval = 10   # seconds\n"
		"  log_level=debug\n"
		"mode = advise\n"
		"instance_type = c6in.large\n"
		"imds = off\n"
		"imds_endpoint = http://127.0.0.1:1338\n"
		"control_socket_mode = 0660\n"
		"disable_probes = sched\n"
		"block_sample = 64\n"
		"profile = network\n"
		"exclude = sysctl:net.core.somaxconn, block:*:scheduler\n"
		"exclude = vm:*\n"
		"exclude = pmqos:cpu_dma_latency, irqbalance:*\n"
		"revert_on_stop = yes\n"
		"metrics = off\n"
		"emf_endpoint = udp://[::1]:25888\n"
		"emf_namespace = Team/Perf_Agent-1.0#x:y\n"
		"emf_log_group = /team/perf.agent_1#x\n"
		"spool_max_documents = 1000000\n"
		"spool_max_bytes = 512KiB\n"
		"spool_persist = no\n"
		"credit_mode = unlimited\n"
		"credit_start_balance = 144.5\n"
		"dimension_sets = InstanceType, AutoScalingGroupName; []\n"
		"interfaces = veth* !docker*\n"
		"interfaces = eth* !docker*\n"
		"devices = loop*\n"
		"metrics_level = custom\n"
		"metrics_include = RunqLatency, Tcp*\n"
		"metrics_include = ReadLatency\n"
		"metrics_exclude = *P999\n"
		"\t\n";

	assert_int_equal(parse(&cfg, text, &err), 0);
	assert_int_equal(cfg.interval_s, 10);
	assert_int_equal(cfg.log_level, LOG_LVL_DEBUG);
	assert_int_equal(cfg.mode, MODE_ADVISE);
	assert_string_equal(cfg.instance_type, "c6in.large");
	assert_false(cfg.imds_enabled);
	assert_string_equal(cfg.imds_endpoint, "http://127.0.0.1:1338");
	assert_int_equal(cfg.control_socket_mode, 0660);
	assert_int_equal(cfg.n_disabled_probes, 1);
	assert_string_equal(cfg.disabled_probes[0], "sched");
	assert_int_equal(cfg.block_sample, 64);
	assert_string_equal(cfg.profile, "network");
	assert_int_equal(cfg.credit_mode, CREDIT_MODE_UNLIMITED);
	assert_true(cfg.credit_start_balance == 144.5);
	assert_true(cfg.revert_on_stop);
	/* exclude lines add up */
	assert_int_equal(cfg.n_excludes, 5);
	assert_string_equal(cfg.excludes[1], "block:*:scheduler");
	assert_string_equal(cfg.excludes[2], "vm:*");
	/* every knob kind apply lists, the held ones too */
	assert_string_equal(cfg.excludes[3], "pmqos:cpu_dma_latency");
	assert_string_equal(cfg.excludes[4], "irqbalance:*");
	assert_false(cfg.metrics_enabled);
	assert_string_equal(cfg.emf_endpoint, "udp://[::1]:25888");
	assert_string_equal(cfg.emf_namespace, "Team/Perf_Agent-1.0#x:y");
	assert_string_equal(cfg.emf_log_group, "/team/perf.agent_1#x");
	assert_int_equal(cfg.spool_max_documents, 1000000);
	assert_int_equal(cfg.spool_max_bytes, 512 << 10);
	assert_false(cfg.spool_persist);
	assert_int_equal(cfg.dimension_sets.n, 2);
	assert_int_equal(cfg.dimension_sets.sets[1], 0);
	/* A filter line replaces the one before. */
	assert_int_equal(cfg.interfaces.n, 2);
	assert_string_equal(cfg.interfaces.patterns[0], "eth*");
	assert_string_equal(cfg.interfaces.patterns[1], "!docker*");
	assert_int_equal(cfg.devices.n, 1);
	assert_int_equal(cfg.metric_filter.level, METRIC_LEVEL_CUSTOM);
	/* include lines add up */
	assert_int_equal(cfg.metric_filter.n_include, 3);
	assert_string_equal(cfg.metric_filter.include[2], "ReadLatency");
	assert_int_equal(cfg.metric_filter.n_exclude, 1);
}

static void test_crlf_and_no_final_newline(void **state)
{
	struct pa_config cfg;
	struct lp_errors err;

	assert_int_equal(parse(&cfg, "interval = 5\r\nmode = advise", &err), 0);
	assert_int_equal(cfg.interval_s, 5);
	assert_int_equal(cfg.mode, MODE_ADVISE);
}

static void test_empty_values_reset(void **state)
{
	struct pa_config cfg;
	struct lp_errors err;

	assert_int_equal(parse(&cfg, "instance_type = m5.large\ninstance_type =\n"
				     "disable_probes = sched\ndisable_probes =\n", &err), 0);
	assert_string_equal(cfg.instance_type, "");
	assert_int_equal(cfg.n_disabled_probes, 0);
	assert_int_equal(parse(&cfg, "exclude = vm:*\nexclude =\n", &err), 0);
	assert_int_equal(cfg.n_excludes, 0);
	/* An empty endpoint means $AWS_EMF_AGENT_ENDPOINT, else the default. */
	assert_int_equal(parse(&cfg, "emf_endpoint = tcp://127.0.0.1:1\nemf_endpoint =\n",
			       &err), 0);
	assert_string_equal(cfg.emf_endpoint, "");
}

struct bad_case {
	const char *text;
	int line;
	const char *expect;  /* substring of the message */
};

static const struct bad_case bad_cases[] = {
	{ "interval = 0\n", 1, "expected whole seconds from 1 to 3600" },
	{ "interval = 3601\n", 1, "from 1 to 3600" },
	{ "interval = 10s\n", 1, "bad value '10s' for interval" },
	{ "interval = -5\n", 1, "bad value" },
	{ "interval =\n", 1, "bad value '' for interval" },
	{ "\n\nintervall = 10\n", 3, "unknown key 'intervall': did you mean 'interval'? (known keys: "
	  "interval, log_level" },
	{ "imds_endpont = http://x\n", 1, "did you mean 'imds_endpoint'?" },
	{ "revert_on_stopp = yes\n", 1, "did you mean 'revert_on_stop'?" },
	{ "spool_max_document = 5\n", 1, "did you mean 'spool_max_documents'?" },
	{ "colour = red\n", 1, "unknown key 'colour'; known keys: interval, log_level" },
	{ "log_level = verbose\n", 1, "expected error, warn, info or debug" },
	{ "mode = yolo\n", 1, "expected apply or advise" },
	{ "imds = maybe\n", 1, "expected on/off, yes/no, true/false or 1/0" },
	{ "imds = 2\n", 1, "bad value '2' for imds" },
	{ "imds = ja\n", 1, "bad value 'ja' for imds" },
	{ "imds_endpoint = https://x\n", 1, "an http:// URL" },
	{ "imds_endpoint = http://\n", 1, "bad value 'http://' for imds_endpoint" },
	{ "imds_endpoint = http:///\n", 1, "bad value 'http:///' for imds_endpoint" },
	{ "imds_endpoint = http://1.2.3.4 x\n", 1, "with a host and no blanks" },
	{ "control_socket_mode = 666\n", 1, "octal mode" },
	{ "control_socket_mode = 0066\n", 1, "octal mode" },
	{ "control_socket_mode = 01777\n", 1, "octal mode" },
	{ "instance_type = C6IN.LARGE\n", 1, "bad value 'C6IN.LARGE' for instance_type (" },
	{ "instance_type = m5\n", 1, "instance_type" },
	{ "disable_probes = sched, warp\n", 1, "unknown probe 'warp'" },
	{ "disable_probes = warp\n", 1, "a comma-separated list of: sched" },
	{ "\n\nblock_sample = 1\n", 3, "bad value '1' for block_sample: expected off, auto, or "
	  "a whole number N from 2 to 65536" },
	{ "block_sample = on\n", 1, "bad value 'on' for block_sample" },
	{ "block_sample = 65537\n", 1, "block_sample" },
	{ "block_sampling = auto\n", 1, "did you mean 'block_sample'?" },
	{ "interval 10\n", 1, "expected 'key = value'" },
	{ "= 10\n", 1, "bad key" },
	{ "Interval = 10\n", 1, "bad key 'Interval'" },
	{ "[main]\ninterval = 10\n", 2, "no sections" },
	{ "[main\n", 1, "section header" },
	{ "interval = 10\nmode = apply\nlog_level = loud\n", 3, "log_level" },
	{ "profile = ../../etc/shadow\n", 1, "bad value '../../etc/shadow' for profile" },
	{ "profile = Network\n", 1, "a profile name" },
	{ "exclude = net.core.somaxconn\n", 1, "'net.core.somaxconn' is not a knob pattern" },
	{ "exclude = pmqos\n", 1, "'pmqos' is not a knob pattern" },
	{ "revert_on_stop = sometimes\n", 1, "expected on/off, yes/no, true/false or 1/0" },
	{ "credit_mode = turbo\n", 1, "expected default, standard or unlimited" },
	{ "credit_start_balance = -3\n", 1, "from 0 to 5000" },
	{ "credit_start_balance = lots\n", 1, "credit_start_balance" },
	{ "credit_start_balance = nan\n", 1, "credit_start_balance" },
	{ "metrics = maybe\n", 1, "bad value 'maybe' for metrics: expected on/off, yes/no" },
	{ "\ndimension_sets = InstanceId; AutoScalingGroup\n", 2,
	  "bad value 'InstanceId; AutoScalingGroup' for dimension_sets (unknown dimension "
	  "'AutoScalingGroup': did you mean 'AutoScalingGroupName'?)" },
	{ "dimension_sets = InstanceId; InstanceId\n", 1, "a set is named twice" },
	{ "dimension_sets =\n", 1, "no dimension set" },
	{ "interfaces = eth0 !\n", 1, "'!' is not a pattern" },
	{ "devices = a b c d e f g h i j k l m n o p q\n", 1, "more than 16 patterns" },
	{ "interface = eth0\n", 1, "did you mean 'interfaces'?" },
	{ "emf_endpoint = http://127.0.0.1:25888\n", 1, "expected tcp://ADDRESS:PORT or udp://" },
	{ "emf_endpoint = tcp://agent.local:25888\n", 1, "[IPv6] or localhost" },
	{ "emf_endpoint = tcp://127.0.0.1:70000\n", 1, "emf_endpoint" },
	{ "emf_endpoint = tcp://127.0.0.1\n", 1, "emf_endpoint" },
	{ "emf_namespace =\n", 1, "bad value '' for emf_namespace: expected 1 to 255" },
	{ "emf_namespace = AWS/EC2\n", 1, "not starting with AWS/" },
	{ "emf_namespace = :x\n", 1, "emf_namespace" },
	{ "emf_namespace = has space\n", 1, "emf_namespace" },
	{ "emf_log_group = a:b\n", 1, "bad value 'a:b' for emf_log_group: expected 1 to 512" },
	{ "emf_log_group =\n", 1, "emf_log_group" },
	{ "spool_max_documents = 0\n", 1, "from 1 to 1000000" },
	{ "spool_max_documents = 1000001\n", 1, "spool_max_documents" },
	{ "spool_max_documents = many\n", 1, "spool_max_documents" },
	{ "spool_max_bytes = 65M\n", 1, "64K to 64M" },
	{ "spool_max_bytes = 63K\n", 1, "64K to 64M" },
	{ "spool_max_bytes = 8 MiB\n", 1, "spool_max_bytes" },
	{ "spool_max_bytes = 99999999999999999999M\n", 1, "spool_max_bytes" },
	{ "spool_persist = always\n", 1, "bad value 'always' for spool_persist: expected on/off" },
	{ "metrics_level = full\n", 1, "bad value 'full' for metrics_level: expected basic, "
	  "detailed or custom" },
	{ "metrics_levle = basic\n", 1, "did you mean 'metrics_level'?" },
	{ "\nmetrics_include = RunqLatencyP99, TcpRetransmit\n", 2, "bad value 'RunqLatencyP99, "
	  "TcpRetransmit' for metrics_include ('TcpRetransmit' matches no metric; did you mean "
	  "'TcpRetransmits'?)" },
	{ "metrics_exclude = Nope*\n", 1, "'Nope*' matches no metric of the catalogue" },
};

static void test_bad_lines(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct pa_config cfg;
		struct lp_errors err;
		const char *msg;

		assert_int_not_equal(parse(&cfg, c->text, &err), 0);
		msg = err.e[0].text;
		if (err.n != 1 || err.e[0].line != c->line || !strstr(msg, c->expect))
			fail_msg("case %zu (%s): got %d errors, line %d '%s', want one, line %d and "
				 "'%s'", i, c->text, err.n, err.e[0].line, msg, c->line, c->expect);
		assert_non_null(strstr(msg, "test.conf:"));
	}
}

static void test_nul_and_long_lines(void **state)
{
	struct pa_config cfg;
	struct lp_errors err;
	char *big;

	config_defaults(&cfg);
	assert_int_not_equal(config_parse_buf(&cfg, "interval = 1\0x\n", 15, "t", &err), 0);
	assert_int_equal(err.n, 1);
	assert_int_equal(err.e[0].line, 0);
	assert_non_null(strstr(err.e[0].text, "t: contains a NUL"));

	big = malloc(LP_MAX_LINE + 32);
	memset(big, 'a', LP_MAX_LINE + 31);
	memcpy(big, "interval = ", 11);
	big[LP_MAX_LINE + 31] = '\0';
	assert_int_not_equal(parse(&cfg, big, &err), 0);
	assert_non_null(strstr(err.e[0].text, "longer than"));
	free(big);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_load_with_dropins(void **state)
{
	char dir[] = "/tmp/perfagent-config-XXXXXX";
	char dropins[PATH_MAX], file[PATH_MAX];
	struct pa_paths paths;
	struct pa_config cfg;
	struct lp_errors err;
	char cmd[PATH_MAX + 16];

	assert_non_null(mkdtemp(dir));
	snprintf(dropins, sizeof(dropins), "%s/conf.d", dir);
	assert_int_equal(mkdir(dropins, 0755), 0);
	write_file(dir, "perfagent.conf", "interval = 30\nmode = advise\n");
	write_file(dropins, "20-b.conf", "interval = 20\n");
	write_file(dropins, "10-a.conf", "interval = 10\nlog_level = warn\n");
	write_file(dropins, "30-ignored.conf.disabled", "garbage\n");
	write_file(dropins, ".hidden.conf", "garbage\n");

	paths_init(&paths);
	snprintf(file, sizeof(file), "%s/perfagent.conf", dir);
	assert_int_equal(paths_set_config(&paths, file), 0);
	assert_int_equal(config_load(&cfg, &paths, true, &err), 0);
	/* Later drop-ins win: 20-b.conf comes after 10-a.conf. */
	assert_int_equal(cfg.interval_s, 20);
	assert_int_equal(cfg.log_level, LOG_LVL_WARN);
	assert_int_equal(cfg.mode, MODE_ADVISE);
	assert_int_equal(cfg.n_files, 3);
	assert_non_null(strstr(cfg.files[1], "10-a.conf"));

	/* A bad drop-in names its own file and line; every bad file is reported. */
	write_file(dropins, "40-bad.conf", "\ninterval = fast\n");
	write_file(dropins, "50-bad.conf", "mod = advise\n");
	assert_int_not_equal(config_load(&cfg, &paths, true, &err), 0);
	assert_int_equal(err.n, 2);
	assert_non_null(strstr(err.e[0].text, "40-bad.conf:2: bad value 'fast' for interval"));
	assert_int_equal(err.e[0].line, 2);
	assert_non_null(strstr(err.e[1].text, "50-bad.conf:1: unknown key 'mod': did you mean "
				   "'mode'?"));
	unlink(strcat(strcpy(cmd, dropins), "/50-bad.conf"));

	/* A missing main file means defaults, unless the user named it. */
	unlink(file);
	unlink(strcat(strcpy(cmd, dropins), "/40-bad.conf"));
	assert_int_equal(config_load(&cfg, &paths, false, &err), 0);
	assert_true(cfg.main_file_missing);
	assert_int_equal(cfg.interval_s, 20);
	assert_int_not_equal(config_load(&cfg, &paths, true, &err), 0);
	assert_int_equal(err.n, 1);
	assert_non_null(strstr(err.e[0].text, "cannot read"));

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Every mistake of a file in one run, in order, each with its line. */
static void test_every_error_reported(void **state)
{
	struct pa_config cfg;
	struct lp_errors err;
	char text[LP_MAX_ERRORS * sizeof(err.e[0].text)];
	const char *conf =
		"interval = 10\n"
		"intervall = 5\n"          /* 2: misspelt */
		"mode = yolo\n"            /* 3: bad value */
		"imds = off\n"
		"garbage line\n"           /* 5: not key = value */
		"log_levle = debug\n"      /* 6: two letters swapped */
		"metrics = on\n";

	assert_int_not_equal(parse(&cfg, conf, &err), 0);
	assert_int_equal(err.n, 4);
	assert_int_equal(err.e[0].line, 2);
	assert_non_null(strstr(err.e[0].text, "test.conf:2: unknown key 'intervall': did you mean "
				   "'interval'?"));
	assert_int_equal(err.e[1].line, 3);
	assert_non_null(strstr(err.e[1].text, "test.conf:3: bad value 'yolo' for mode"));
	assert_int_equal(err.e[2].line, 5);
	assert_non_null(strstr(err.e[2].text, "expected 'key = value'"));
	assert_int_equal(err.e[3].line, 6);
	assert_non_null(strstr(err.e[3].text, "did you mean 'log_level'?"));
	/* The good lines around them were read. */
	assert_int_equal(cfg.interval_s, 10);
	assert_false(cfg.imds_enabled);
	lp_errors_format(&err, " | ", text, sizeof(text));
	assert_non_null(strstr(text, "test.conf:3: bad value 'yolo' for mode: expected apply or "
			       "advise | test.conf:5: "));

	/* More than are kept: the rest are counted and said. */
	{
		char many[64 * (LP_MAX_ERRORS + 3)] = "";

		for (int i = 0; i < LP_MAX_ERRORS + 3; i++)
			strcat(many, "nonsense_key_xyz = 1\n");
		assert_int_not_equal(parse(&cfg, many, &err), 0);
		assert_int_equal(err.n, LP_MAX_ERRORS + 3);
		lp_errors_format(&err, "\n", text, sizeof(text));
		assert_non_null(strstr(text, "and 3 more errors not shown"));
	}
}

/* Booleans: on/off, yes/no, true/false, 1/0, in any case, for every boolean key. */
static void test_booleans(void **state)
{
	static const char *const yes[] = { "on", "yes", "true", "1", "ON", "Yes", "TRUE" };
	static const char *const no[] = { "off", "no", "false", "0", "OFF", "No", "False" };
	static const char *const keys[] = { "imds", "metrics", "revert_on_stop", "spool_persist" };
	struct pa_config cfg;
	struct lp_errors err;
	char line[64];

	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
			bool *v[] = { &cfg.imds_enabled, &cfg.metrics_enabled, &cfg.revert_on_stop,
				      &cfg.spool_persist };

			snprintf(line, sizeof(line), "%s = %s\n", keys[k], no[i]);
			assert_int_equal(parse(&cfg, line, &err), 0);
			assert_false(*v[k]);
			snprintf(line, sizeof(line), "%s = %s\n", keys[k], yes[i]);
			assert_int_equal(parse(&cfg, line, &err), 0);
			assert_true(*v[k]);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good_lines),
		cmocka_unit_test(test_crlf_and_no_final_newline),
		cmocka_unit_test(test_empty_values_reset),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_nul_and_long_lines),
		cmocka_unit_test(test_load_with_dropins),
		cmocka_unit_test(test_every_error_reported),
		cmocka_unit_test(test_booleans),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
