// SPDX-License-Identifier: GPL-2.0-only
/* perfagent: one binary, the daemon and its command-line client. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "config.h"
#include "daemon/ctlproto.h"
#include "daemon/daemon.h"
#include "core/exitcodes.h"
#include "probes/hist.h"
#include "identity/identity.h"
#include "core/log.h"
#include "core/suggest.h"
#include "tune/profile.h"
#include "cli/status.h"
#include "cli/status_watch.h"
#include "cli/text_wrap.h"

struct command {
	const char *name;
	int (*run)(struct cli *cli);
	unsigned int options;
	int min_args, max_args;
	const char *usage;
	const char *summary;    /* one line, for the command list */
	const char *help;       /* the rest, for `perfagent help COMMAND` */
};

static int cmd_daemon(struct cli *cli);
static int cmd_status(struct cli *cli);
static int cmd_detect(struct cli *cli);
static int cmd_reload(struct cli *cli);
static int cmd_metrics(struct cli *cli);
static int cmd_version(struct cli *cli);
static int cmd_help(struct cli *cli);

static const struct command commands[] = {
	{ "daemon", cmd_daemon,
	  OPT_CONFIG | OPT_ROOT | OPT_STATE_DIR | OPT_RUNTIME_DIR | OPT_INSTANCE_TYPE |
		  OPT_CHECK_CONFIG | OPT_LOG_LEVEL | OPT_PROFILE_DIR, 0, 0,
	  "daemon [--check-config] [--config FILE] [--instance-type TYPE] [--log-level LEVEL]",
	  "run the agent in the foreground",
	  "Runs in the foreground, as systemd (Type=notify) starts it; logs go to stderr.\n"
	  "SIGHUP reloads the configuration, SIGTERM stops. With --check-config, validate\n"
	  "the configuration and exit (0 when valid, 4 when not)." },
	{ "status", cmd_status, OPT_JSON | OPT_RUNTIME_DIR | OPT_HISTOGRAMS | OPT_WATCH, 0, 1,
	  "status [--json] [--histograms] [--watch [SECONDS]]",
	  "show what the running daemon sees and does",
	  "Asks the running daemon for its state: the host's health (run queue, disks,\n"
	  "TCP, ENA allowances, CPU, tuning; each ok, watch or problem, and why),\n"
	  "identity, profile, probes, collection, metrics sink, configuration. Exits 3\n"
	  "when no daemon answers. --watch refreshes it in place every SECONDS (default\n"
	  "2) until Ctrl-C, cut to the terminal's height, and keeps asking while no\n"
	  "daemon answers; with --json it prints one document per line. On a terminal,\n"
	  "long lines fold at word boundaries to its width (or to COLUMNS, when set);\n"
	  "piped, they stay whole." },
	{ "detect", cmd_detect,
	  OPT_JSON | OPT_CONFIG | OPT_ROOT | OPT_STATE_DIR | OPT_INSTANCE_TYPE | OPT_NO_IMDS, 0, 0,
	  "detect [--json] [--instance-type TYPE] [--no-imds]",
	  "find out what this host is (no daemon needed)",
	  "Tries an override, then DMI, then IMDSv2, then the identity cached in the state\n"
	  "directory, then says \"not EC2\". Also lists vCPUs, memory, NICs and block devices." },
	{ "profiles", cmd_profiles,
	  OPT_JSON | OPT_CONFIG | OPT_PROFILE_DIR | OPT_OVERLAYS | OPT_ROOT | OPT_STATE_DIR |
		  OPT_INSTANCE_TYPE | OPT_NO_IMDS, 1, 2,
	  "profiles list | show NAME | explain [INSTANCE_TYPE] [--overlays LIST] [--json]",
	  "list the tuning profiles, show one, or explain a host's tuning",
	  "list: every class profile and overlay with its summary (profiles/ next to the\n"
	  "config shadows the shipped ones). show NAME: one profile resolved, includes\n"
	  "flattened, each value with the file and line it comes from. explain TYPE: the\n"
	  "match rules (which class profile and which capability overlays, and why), then\n"
	  "every value of the composed layers with the layer that set it, what it\n"
	  "overrode, and how a value relative to the machine resolves for TYPE (sizes\n"
	  "from perfagent's table). explain with no TYPE: this host, as apply sees it,\n"
	  "and the values adaptive rules set since, with their evidence." },
	{ "apply", cmd_apply,
	  OPT_JSON | OPT_CONFIG | OPT_ROOT | OPT_STATE_DIR | OPT_INSTANCE_TYPE | OPT_NO_IMDS |
		  OPT_DRY_RUN | OPT_PROFILE | OPT_PROFILE_DIR | OPT_OVERLAYS, 0, 0,
	  "apply [--dry-run] [--profile NAME] [--overlays LIST] [--json]",
	  "plan and apply the tuning profile (root)",
	  "Detects the instance, picks its layers (class profile and overlays, or\n"
	  "--profile and --overlays), sizes them to the machine, plans every knob\n"
	  "(current, desired, action, reason) and applies it, journaling the originals\n"
	  "first. --dry-run prints the plan and writes nothing. Exit 1 if a knob failed.\n"
	  "A PM QoS latency ([pmqos]) lasts only while a process holds it open: the\n"
	  "daemon holds it, and this command shows it as daemon-only." },
	{ "verify", cmd_verify, OPT_JSON | OPT_ROOT | OPT_STATE_DIR | OPT_CONFIG, 0, 0,
	  "verify [--json]",
	  "check the live values against what was applied",
	  "Reads every knob journaled in this boot. Exit 6 when one drifted (changed by\n"
	  "someone, missing, or never applied). Nothing applied in this boot (mode =\n"
	  "advise, after a revert or a reboot) is not drift: it says which of these the\n"
	  "host is in and exits 0." },
	{ "revert", cmd_revert, OPT_JSON | OPT_ROOT | OPT_STATE_DIR | OPT_CONFIG, 0, 0,
	  "revert [--json]",
	  "restore the original values from the journal (root)",
	  "Works with the daemon stopped. Knobs changed by someone else since perfagent set\n"
	  "them are left alone and reported; so is a value an interrupted apply cannot\n"
	  "account for (unknown-writer), its original kept in the journal. Exit 1 if a\n"
	  "restore failed or a writer is unknown. It marks the journal first, so that a\n"
	  "revert killed half way is finished by the next revert (or apply). The\n"
	  "daemon's PM QoS hold ends with the daemon or its own revert (control socket);\n"
	  "this one says when one is held." },
	{ "metrics", cmd_metrics,
	  OPT_CONFIG | OPT_ROOT | OPT_STATE_DIR | OPT_INSTANCE_TYPE | OPT_NO_IMDS | OPT_LOG_LEVEL |
		  OPT_ONCE | OPT_FORMAT | OPT_INTERVAL | OPT_COST | OPT_JSON, 0, 0,
	  "metrics [--once] [--format table|emf] [--interval SECONDS] | --cost [--json]",
	  "print the metrics the daemon would send (no daemon needed)",
	  "Starts the probes, waits one interval, prints what it collected, and goes on\n"
	  "until interrupted (Ctrl-C, SIGTERM or a closed pipe end it with 0; output\n"
	  "that cannot be written, with 1); --once stops after the first interval.\n"
	  "--format emf prints the EMF documents exactly as the daemon sends them, one\n"
	  "per line (the configured namespace and log group; StorageResolution 1 when\n"
	  "the interval is under 60 s); table, the default, is for people and also shows\n"
	  "values EMF leaves out. --interval defaults to 1 s, not the configured\n"
	  "interval, so an answer comes quickly. Probes need root; a probe that cannot\n"
	  "run is named on stderr with the reason, and its metrics are missing. The knob\n"
	  "counts (TuningKnobs*), adaptive steps (Adaptive*) and sink metrics (Sink*)\n"
	  "exist only in the daemon. Devices as the daemon reports them: interfaces =\n"
	  "and devices = in the config, by default real NICs that are up and whole\n"
	  "disks. The table shows every metric; EMF only those of metrics_level (basic\n"
	  "by default).\n"
	  "--cost collects one interval and counts the CloudWatch custom metrics this host\n"
	  "sends at the current settings (metric names x the dimension sets the encoder\n"
	  "emits, the daemon's tuning and sink metrics included), the fleet-wide roll-ups\n"
	  "(dimension sets without InstanceId), and the monthly estimate at $0.30 per\n"
	  "metric-month, the list price of the first tier in us-east-1." },
	{ "reload", cmd_reload, OPT_RUNTIME_DIR, 0, 0, "reload",
	  "make the daemon re-read its configuration (root)",
	  "Same as SIGHUP. An invalid configuration is refused as a whole (exit 4) and the\n"
	  "running one stays." },
	{ "version", cmd_version, OPT_JSON, 0, 0, "version [--json]", "print the version",
	  "-V and --version, before or after any command, do the same. --json adds the\n"
	  "versions of libbpf and json-c it runs with and the kernel release." },
	{ "help", cmd_help, 0, 0, 1, "help [COMMAND]", "show help for perfagent or one command",
	  NULL },
};

static const struct option long_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "config", required_argument, NULL, 'c' },
	{ "root", required_argument, NULL, 'R' },
	{ "state-dir", required_argument, NULL, 'S' },
	{ "runtime-dir", required_argument, NULL, 'r' },
	{ "instance-type", required_argument, NULL, 't' },
	{ "check-config", no_argument, NULL, 'C' },
	{ "log-level", required_argument, NULL, 'l' },
	{ "no-imds", no_argument, NULL, 'N' },
	{ "dry-run", no_argument, NULL, 'D' },
	{ "histograms", no_argument, NULL, 'H' },
	{ "watch", optional_argument, NULL, 'W' },
	{ "profile", required_argument, NULL, 'P' },
	{ "overlays", required_argument, NULL, 'O' },
	{ "profile-dir", required_argument, NULL, 'p' },
	{ "once", no_argument, NULL, 'o' },
	{ "format", required_argument, NULL, 'F' },
	{ "interval", required_argument, NULL, 'i' },
	{ "cost", no_argument, NULL, 'K' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 },
};

static const struct {
	unsigned int bit;
	const char *text;
} options_help[] = {
	{ OPT_JSON, "  --json                 machine-readable output (stable; see the README)\n" },
	{ OPT_CONFIG, "  --config FILE          config file (default /etc/perfagent/perfagent.conf);\n"
		      "                         drop-ins are read from conf.d/ next to it\n" },
	{ OPT_ROOT, "  --root DIR             read and tune /proc, /sys, /dev/cpu_dma_latency,\n"
		    "                         sysctl.d and irqbalance's unit files and drop-in\n"
		    "                         under DIR (a fake tree, for tests; systemctl is\n"
		    "                         never run for it); symlinks in it are followed\n"
		    "                         inside DIR, as chroot would\n" },
	{ OPT_STATE_DIR, "  --state-dir DIR        state directory (default /var/lib/perfagent)\n" },
	{ OPT_RUNTIME_DIR, "  --runtime-dir DIR      control socket directory (default /run/perfagent)\n" },
	{ OPT_INSTANCE_TYPE, "  --instance-type TYPE   use TYPE instead of detecting it\n" },
	{ OPT_NO_IMDS, "  --no-imds              do not ask the instance metadata service\n" },
	{ OPT_LOG_LEVEL, "  --log-level LEVEL      error, warn, info or debug (overrides log_level)\n" },
	{ OPT_CHECK_CONFIG, "  --check-config         validate the configuration and the profiles it\n"
			    "                         names, and exit\n" },
	{ OPT_DRY_RUN, "  --dry-run              print the plan, write nothing\n" },
	{ OPT_HISTOGRAMS, "  --histograms           the probes' histograms of the last interval, as\n"
			  "                         biolatency, runqlat and tcprtt print them\n" },
	{ OPT_WATCH, "  --watch [SECONDS]      refresh in place every SECONDS (default 2), as\n"
		     "                         watch(1) does, until Ctrl-C\n" },
	{ OPT_PROFILE, "  --profile NAME         use class profile NAME instead of matching the instance\n"
		       "                         type (then no capability overlay is added)\n" },
	{ OPT_OVERLAYS, "  --overlays LIST        stack these overlays last (comma-separated, such as\n"
			"                         latency,database; \"\" for none) instead of overlays =\n" },
	{ OPT_PROFILE_DIR, "  --profile-dir DIR      shipped profiles and match.conf (default "
			   PERFAGENT_PROFILEDIR ")\n" },
	{ OPT_ONCE, "  --once                 one interval, then exit\n" },
	{ OPT_FORMAT, "  --format FORMAT        table (default) or emf (one EMF document per line)\n" },
	{ OPT_INTERVAL, "  --interval SECONDS     seconds per interval, 1 to 3600 (default 1)\n" },
	{ OPT_COST, "  --cost                 the custom metrics this host sends and their monthly\n"
		    "                         list price (us-east-1, first tier)\n" },
};

/* Prints the options in mask, and -h which every command takes. */
static void print_options(unsigned int mask, FILE *out)
{
	fprintf(out, "Options:\n");
	for (size_t i = 0; i < sizeof(options_help) / sizeof(options_help[0]); i++) {
		if (options_help[i].bit & mask)
			fputs(options_help[i].text, out);
	}
	fputs("  -h, --help             this help\n", out);
	fputs("  -V, --version          print the version and exit\n", out);
}

static const char exit_codes_help[] =
	"Exit codes:\n"
	"  0  success\n"
	"  1  the operation failed (the message says why)\n"
	"  2  bad command line\n"
	"  3  the daemon is not running or did not answer\n"
	"  4  the configuration is invalid\n"
	"  5  refused: the operation needs root\n"
	"  6  verify found drift: a knob applied in this boot no longer has its value\n"
	"     (nothing applied in this boot is not drift: verify says so and exits 0)\n";

static void print_usage(FILE *out)
{
	fprintf(out, "Usage: perfagent COMMAND [OPTIONS]\n"
		     "       perfagent [OPTIONS] COMMAND [OPTIONS]\n\n"
		     "perfagent detects the EC2 instance it runs on, tunes it, watches it with eBPF\n"
		     "probes, sends its metrics to the CloudWatch agent (EMF) and answers\n"
		     "'perfagent status'. Options may come before or after the command:\n"
		     "'perfagent --json status' is 'perfagent status --json'. Each command\n"
		     "takes the options 'perfagent help COMMAND' lists.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun 'perfagent help COMMAND' for the options of one command.\n\n");
	print_options(~0u, out);
	fprintf(out, "\n%s", exit_codes_help);
}

static void print_command_help(const struct command *c, FILE *out)
{
	fprintf(out, "Usage: perfagent %s\n\nperfagent %s: %s.\n", c->usage, c->name, c->summary);
	if (c->help)
		fprintf(out, "%s\n", c->help);
	fputc('\n', out);
	print_options(c->options, out);
	fprintf(out, "\n%s", exit_codes_help);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	}
	return NULL;
}

/* "unknown command 'X'", with the closest command when one is near. */
static void unknown_command(const char *who, const char *name)
{
	const char *names[sizeof(commands) / sizeof(commands[0])];
	const char *hint;

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		names[i] = commands[i].name;
	hint = suggest_word(name, names, sizeof(names) / sizeof(names[0]));
	if (hint)
		fprintf(stderr, "%s: unknown command '%s'; did you mean '%s'? Run 'perfagent "
				"--help' for the list\n", who, name, hint);
	else
		fprintf(stderr, "%s: unknown command '%s'; run 'perfagent --help'\n", who, name);
}

/* The long option that arg (after "--", up to any '=') names: exact, or an unambiguous prefix. */
static const struct option *long_option_of(const char *arg)
{
	size_t len = strcspn(arg, "=");
	const struct option *found = NULL;

	for (const struct option *o = long_options; o->name; o++) {
		if (strncmp(o->name, arg, len))
			continue;
		if (strlen(o->name) == len)
			return o;
		if (found)
			return NULL;
		found = o;
	}
	return found;
}

/*
 * Where the command word is: the first argument that is neither an option
 * nor an option's value ("--config FILE"; "--watch 5", whose value is
 * optional, unless the word after it is a command). argc when there is none.
 */
static int command_index(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const struct option *o;

		if (argv[i][0] != '-' || !argv[i][1])
			return i;
		if (argv[i][1] != '-')
			continue;       /* -h, -V: no value */
		o = long_option_of(argv[i] + 2);
		if (!o || strchr(argv[i], '=') || i + 1 == argc)
			continue;
		if (o->has_arg == required_argument ||
		    (o->has_arg == optional_argument && argv[i + 1][0] != '-' &&
		     !find_command(argv[i + 1])))
			i++;
	}
	return argc;
}

static bool has_arg(int argc, char **argv, const char *a, const char *b)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], a) || !strcmp(argv[i], b))
			return true;
	return false;
}

/*
 * Moves the command word first, so that options before it are read as its
 * own: "perfagent --json status" is "perfagent status --json". Returns the
 * index of the command in the new argv (1), or argc when there is none.
 */
static int command_first(int argc, char **argv)
{
	int ci = command_index(argc, argv);
	char *cmd;

	if (ci == argc)
		return argc;
	cmd = argv[ci];
	memmove(argv + 2, argv + 1, (ci - 1) * sizeof(*argv));
	argv[1] = cmd;
	return 1;
}

static unsigned int option_bit(int opt);

/* "unknown or misplaced option", with the closest option of the command when one is near. */
static void unknown_option(const struct command *c, const char *arg)
{
	const char *names[sizeof(long_options) / sizeof(long_options[0])];
	const char *hint = NULL;
	char word[64];
	size_t n = 0;

	if (!strncmp(arg, "--", 2) && snprintf(word, sizeof(word), "%.*s",
					       (int)strcspn(arg + 2, "="), arg + 2) < (int)sizeof(word)) {
		for (const struct option *o = long_options; o->name; o++)
			if ((option_bit(o->val) & c->options) || o->val == 'h' || o->val == 'V')
				names[n++] = o->name;
		hint = suggest_word(word, names, n);
	}
	if (hint && strcmp(hint, word))
		fprintf(stderr, "perfagent %s: unknown or misplaced option '%s'; did you mean "
				"'--%s'?\nusage: perfagent %s\n", c->name, arg, hint, c->usage);
	else
		fprintf(stderr, "perfagent %s: unknown or misplaced option '%s'\n"
				"usage: perfagent %s\n", c->name, arg, c->usage);
}

static unsigned int option_bit(int opt)
{
	switch (opt) {
	case 'j': return OPT_JSON;
	case 'c': return OPT_CONFIG;
	case 'R': return OPT_ROOT;
	case 'S': return OPT_STATE_DIR;
	case 'r': return OPT_RUNTIME_DIR;
	case 't': return OPT_INSTANCE_TYPE;
	case 'C': return OPT_CHECK_CONFIG;
	case 'l': return OPT_LOG_LEVEL;
	case 'N': return OPT_NO_IMDS;
	case 'D': return OPT_DRY_RUN;
	case 'H': return OPT_HISTOGRAMS;
	case 'W': return OPT_WATCH;
	case 'P': return OPT_PROFILE;
	case 'O': return OPT_OVERLAYS;
	case 'p': return OPT_PROFILE_DIR;
	case 'o': return OPT_ONCE;
	case 'F': return OPT_FORMAT;
	case 'i': return OPT_INTERVAL;
	case 'K': return OPT_COST;
	}
	return 0;
}

static int set_dir(char *dst, size_t size, const char *value)
{
	return snprintf(dst, size, "%s", value) >= (int)size ? -ENAMETOOLONG : 0;
}

static int apply_option(struct cli *cli, int opt, const char *arg)
{
	switch (opt) {
	case 'j': cli->json = true; return 0;
	case 'C': cli->check_config = true; return 0;
	case 'N': cli->no_imds = true; return 0;
	case 'D': cli->dry_run = true; return 0;
	case 'H': cli->histograms = true; return 0;
	case 'W': cli->watch = true; cli->watch_s = arg; return 0;
	case 'o': cli->once = true; return 0;
	case 'F': cli->format = arg; return 0;
	case 'i': cli->interval = arg; return 0;
	case 'K': cli->cost = true; return 0;
	case 'P': cli->profile = arg; return 0;
	case 'O': cli->overlays = arg; return 0;
	case 'p':
		cli->paths.profile_dir_from = "--profile-dir";
		return set_dir(cli->paths.profile_dir, sizeof(cli->paths.profile_dir), arg);
	case 't': cli->instance_type = arg; return 0;
	case 'l': cli->log_level = arg; return 0;
	case 'c': cli->paths.config_named = true; return paths_set_config(&cli->paths, arg);
	case 'R': return set_dir(cli->paths.sysroot, sizeof(cli->paths.sysroot), arg);
	case 'S': return set_dir(cli->paths.state_dir, sizeof(cli->paths.state_dir), arg);
	case 'r': return set_dir(cli->paths.runtime_dir, sizeof(cli->paths.runtime_dir), arg);
	}
	return -EINVAL;
}

/* Parses the options after the command word; returns an exit code or -1 to go on. */
static int parse_options(const struct command *c, struct cli *cli, int argc, char **argv)
{
	bool want_version = false;
	char name[64];
	int opt, index;

	optind = 1;
	opterr = 0;
	while ((index = -1, opt = getopt_long(argc, argv, ":hV", long_options, &index)) != -1) {
		if (opt == 'h') {
			print_command_help(c, stdout);
			return EXIT_OK;
		}
		if (opt == 'V') {
			want_version = true;    /* after the others: -V --json */
			continue;
		}
		if (opt == ':') {
			fprintf(stderr, "perfagent %s: option '%s' needs a value\n", c->name,
				argv[optind - 1]);
			return EXIT_USAGE;
		}
		if (opt == '?') {
			unknown_option(c, argv[optind - 1]);
			return EXIT_USAGE;
		}
		if (!(option_bit(opt) & c->options)) {
			/* A known option, named as such: argv[optind - 1] may be its value. */
			snprintf(name, sizeof(name), "--%s", index >= 0 ? long_options[index].name : "?");
			unknown_option(c, index >= 0 ? name : argv[optind - 1]);
			return EXIT_USAGE;
		}
		if (apply_option(cli, opt, optarg)) {
			fprintf(stderr, "perfagent %s: value of %s is too long\n", c->name,
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (want_version) {
		cli->json = cli->json && (c->options & OPT_JSON);
		return cmd_version(cli);
	}
	if (argc - optind > c->max_args) {
		fprintf(stderr, "perfagent %s: unexpected argument '%s'\nusage: perfagent %s\n",
			c->name, argv[optind + c->max_args], c->usage);
		return EXIT_USAGE;
	}
	if (argc - optind < c->min_args) {
		fprintf(stderr, "perfagent %s: missing argument\nusage: perfagent %s\n", c->name,
			c->usage);
		return EXIT_USAGE;
	}
	cli->n_args = argc - optind;
	cli->args = argv + optind;
	return -1;
}

/* --overlays checked as the command line's (exit 2), before any config is read. */
static bool overlays_option_valid(const char *list)
{
	static struct pa_config scratch;	/* only its overlay list is written */
	char msg[256];

	if (!config_set_overlays(&scratch, list, msg, sizeof(msg)))
		return true;
	fprintf(stderr, "perfagent: --overlays: %s\n", msg);
	return false;
}

/* A mistyped --root would read an empty host (0 vCPUs) without a word. */
static bool root_option_valid(const char *root)
{
	struct stat st;

	if (stat(root, &st) == 0 && S_ISDIR(st.st_mode))
		return true;
	fprintf(stderr, "perfagent: --root %s: %s (--root, or PERFAGENT_SYSROOT)\n", root,
		access(root, F_OK) ? strerror(errno) : "not a directory");
	return false;
}

/* status --watch: a closed pipe is its documented end, not a failed write. */
static bool stdout_may_close;

/*
 * What a command printed must reach its reader: a full disk or a bad file
 * under > is an error (exit 1), never a silent success.
 */
static int output_checked(int ret)
{
	int err = 0;

	if (fflush(stdout) == EOF)
		err = errno;
	if (stdout_may_close || (!err && !ferror(stdout)))
		return ret;
	fprintf(stderr, "perfagent: cannot write the output: %s\n",
		err ? strerror(err) : "an earlier write failed");
	return ret ? ret : EXIT_FAILURE;
}

static int run_main(int argc, char **argv);

int main(int argc, char **argv)
{
	return output_checked(run_main(argc, argv));
}

static int run_main(int argc, char **argv)
{
	const struct command *c;
	struct cli cli = { 0 };
	int ret;

	if (command_first(argc, argv) == argc) {
		/* No command word: --help, --version (with its options), or a usage error. */
		if (has_arg(argc, argv, "--help", "-h") || argc < 2) {
			print_usage(argc < 2 ? stderr : stdout);
			return argc < 2 ? EXIT_USAGE : EXIT_OK;
		}
		if (!has_arg(argc, argv, "--version", "-V")) {
			fprintf(stderr, "perfagent: no command given (options alone: %s); run "
					"'perfagent --help' for the commands\n", argv[1]);
			return EXIT_USAGE;
		}
		c = find_command("version");
	} else {
		c = find_command(argv[1]);
		argc--;
		argv++;
	}
	if (!c) {
		unknown_command("perfagent", argv[0]);
		return EXIT_USAGE;
	}
	log_init(LOG_LVL_INFO, getenv("JOURNAL_STREAM") != NULL);
	paths_init(&cli.paths);
	/* argv[0] is the command word, as getopt wants its program name. */
	ret = parse_options(c, &cli, argc, argv);
	if (ret >= 0)
		return ret;
	paths_find_source_profiles(&cli.paths);
	if (cli.log_level) {
		enum log_level level;

		if (log_level_parse(cli.log_level, &level)) {
			fprintf(stderr, "perfagent: bad --log-level '%s': expected error, warn, "
					"info or debug\n", cli.log_level);
			return EXIT_USAGE;
		}
		log_set_level(level);
	}
	if (cli.instance_type) {
		struct itype t;
		char err[256];

		if (itype_parse(cli.instance_type, &t, err, sizeof(err))) {
			fprintf(stderr, "perfagent: --instance-type: %s\n", err);
			return EXIT_USAGE;
		}
	}
	if (cli.profile && !profile_name_valid(cli.profile)) {
		fprintf(stderr, "perfagent: --profile '%s' is not a profile name (lowercase "
				"letters, digits, '_' and '-')\n", cli.profile);
		return EXIT_USAGE;
	}
	if (cli.overlays && !overlays_option_valid(cli.overlays))
		return EXIT_USAGE;
	if (cli.paths.sysroot[0] && !root_option_valid(cli.paths.sysroot))
		return EXIT_USAGE;
	return c->run(&cli);
}


static int check_config(struct cli *cli)
{
	struct tuning_opts layers;
	struct pa_config cfg;
	char err[1024];

	if (cli_load_config(cli, &cfg))
		return EXIT_CONFIG;
	config_tuning_opts(&cfg, &layers);
	if (tuning_check_layers(&cli->paths, &layers, err, sizeof(err))) {
		fprintf(stderr, "perfagent: invalid configuration: %s\n", err);
		return EXIT_CONFIG;
	}
	if (cfg.main_file_missing)
		printf("configuration OK: no %s, built-in defaults", cli->paths.config_file);
	else
		printf("configuration OK:");
	for (int i = 0; i < cfg.n_files; i++)
		printf(" %s", cfg.files[i]);
	printf("\n");
	return EXIT_OK;
}

static int cmd_daemon(struct cli *cli)
{
	struct daemon_opts opts = {
		.paths = cli->paths,
		.config_must_exist = cli->paths.config_named,
		.type_override = cli->instance_type,
		.log_level = cli->log_level,
	};

	if (cli->check_config)
		return check_config(cli);
	/*
	 * A fixed mmap threshold for the long run. Left dynamic, glibc raises it
	 * to the largest block freed: libbpf's 5 MiB vmlinux BTF buffers at
	 * start. Every reload's profile, plan and directory buffers (32 to 290
	 * KiB) then came from the heap and fragmented it, and RSS crept up for
	 * the whole soak (bench/README.md, soak). Fixed at 32 KiB, such blocks
	 * are mapped and go back to the kernel when freed; the heap keeps only
	 * small objects and levels off sooner and lower than at glibc's 128 KiB.
	 */
	mallopt(M_MMAP_THRESHOLD, 32 * 1024);
	return daemon_run(&opts);
}


/*
 * The daemon's answer to cmd, for the command what ("status", "reload"); an
 * error is said on errout (stderr, or status --watch's screen).
 */
static int request(struct cli *cli, const char *what, const char *cmd,
		   struct json_object **result, FILE *errout)
{
	char sock[PATH_MAX], err[CTL_MAX_MESSAGE + 256];
	int ret;

	if (paths_socket(&cli->paths, sock, sizeof(sock))) {
		fprintf(errout, "perfagent: runtime directory path too long\n");
		return EXIT_USAGE;
	}
	ret = client_request(sock, cmd, result, err, sizeof(err));
	if (!ret)
		return EXIT_OK;
	fprintf(errout, "perfagent %s: %s\n", what, err);
	/* EAGAIN: the connection not taken within the deadline (a full queue). */
	if (ret == -ENOENT || ret == -ECONNREFUSED || ret == -ETIMEDOUT || ret == -EAGAIN ||
	    ret == -ESRCH)
		return EXIT_NOT_RUNNING;
	if (ret == -EPERM || ret == -EACCES)
		return EXIT_DENIED;
	if (ret == -EBADMSG)
		return EXIT_CONFIG;
	return EXIT_FAILURE;
}

/* One status reply, printed into out. */
static int show_status(void *arg, FILE *out)
{
	struct cli *cli = arg;
	struct json_object *status;
	/* Watching, an error is the screen: the daemon may come back. */
	int ret = request(cli, "status", cli->histograms ? "histograms" : "status", &status,
			  cli->watch ? out : stderr);

	if (ret)
		return ret;
	if (cli->json && cli->watch)    /* one document per line, for a reader of the stream */
		fprintf(out, "%s\n", json_object_to_json_string_ext(status, JSON_C_TO_STRING_PLAIN |
			JSON_C_TO_STRING_NOSLASHESCAPE));
	else if (cli->json)
		fprintf(out, "%s\n", json_object_to_json_string_ext(status, JSON_C_TO_STRING_PRETTY |
			JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	else if (cli->histograms)
		hist_print_json(status, out);
	else
		status_print_folded(status, text_wrap_cols(), out);
	json_object_put(status);
	return EXIT_OK;
}

static int cmd_status(struct cli *cli)
{
	const char *every = cli->watch_s ? cli->watch_s : cli->n_args ? cli->args[0] : NULL;
	unsigned int seconds;

	if (cli->n_args && (!cli->watch || cli->watch_s)) {
		fprintf(stderr, "perfagent status: unexpected argument '%s'%s\n", cli->args[0],
			cli->watch ? "" : " (seconds go after --watch: status --watch SECONDS)");
		return EXIT_USAGE;
	}
	if (status_watch_seconds(every, &seconds)) {
		fprintf(stderr, "perfagent status: '%s' is not a number of seconds after --watch "
			"(1 to %d)\n", every, STATUS_WATCH_MAX_S);
		return EXIT_USAGE;
	}
	if (cli->watch) {
		stdout_may_close = true;
		return status_watch(seconds, cli->json, show_status, cli);
	}
	return show_status(cli, stdout);
}

static int cmd_reload(struct cli *cli)
{
	struct json_object *result;
	int ret = request(cli, "reload", "reload", &result, stderr);

	if (ret)
		return ret;
	printf("configuration reloaded\n");
	json_object_put(result);
	return EXIT_OK;
}


static int cmd_detect(struct cli *cli)
{
	struct identity *id;
	struct pa_config cfg;

	if (cli_load_config(cli, &cfg))
		return EXIT_CONFIG;
	id = cli_detect_identity(cli, &cfg);
	if (!id)
		return EXIT_FAILURE;
	if (cli->json) {
		struct json_object *j = identity_to_json(id);

		cli_print_json(j);
		json_object_put(j);
	} else {
		identity_print(id, stdout);
	}
	free(id);
	return EXIT_OK;
}

/* --format and --interval: 0, or EXIT_USAGE after saying what is accepted. */
static int metrics_args(const struct cli *cli, bool *emf, unsigned int *interval_s)
{
	unsigned long v = 1;
	char *end = NULL;

	*emf = cli->format && strcmp(cli->format, "emf") == 0;
	if (cli->format && !*emf && strcmp(cli->format, "table") != 0) {
		fprintf(stderr, "perfagent metrics: bad --format '%s': expected table or emf\n",
			cli->format);
		return EXIT_USAGE;
	}
	if (cli->interval)
		v = strtoul(cli->interval, &end, 10);
	if (cli->interval && (*cli->interval < '1' || *cli->interval > '9' || *end || v > 3600)) {
		fprintf(stderr, "perfagent metrics: bad --interval '%s': expected whole seconds "
				"from 1 to 3600\n", cli->interval);
		return EXIT_USAGE;
	}
	*interval_s = v;
	return 0;
}

static int cmd_metrics(struct cli *cli)
{
	struct daemon_metrics_opts o = { .paths = &cli->paths, .once = cli->once,
					 .cost = cli->cost, .json = cli->json };
	struct identity *id;
	struct pa_config cfg;
	int ret;

	ret = metrics_args(cli, &o.emf, &o.interval_s);
	if (ret)
		return ret;
	/* --json is for --cost; the documents are JSON already. */
	if ((cli->json && !cli->cost) || (cli->cost && (cli->format || cli->once))) {
		fprintf(stderr, "perfagent metrics: --json goes with --cost, and --cost takes "
				"neither --format nor --once\nusage: perfagent metrics [--once] "
				"[--format table|emf] [--interval SECONDS] | --cost [--json]\n");
		return EXIT_USAGE;
	}
	if (cli_load_config(cli, &cfg))
		return EXIT_CONFIG;
	id = cli_detect_identity(cli, &cfg);
	if (!id)
		return EXIT_FAILURE;
	o.cfg = &cfg;
	o.id = id;
	/* Streaming: a closed pipe is its end; daemon_metrics() says other write errors. */
	stdout_may_close = !cli->once && !cli->cost;
	ret = daemon_metrics(&o);
	free(id);
	return ret;
}

static int cmd_version(struct cli *cli)
{
	struct json_object *j;
	struct utsname u;
	char libbpf[32];

	if (!cli->json) {
		printf("perfagent %s\n", PERFAGENT_VERSION);
		return EXIT_OK;
	}
	snprintf(libbpf, sizeof(libbpf), "%u.%u", libbpf_major_version(),
		 libbpf_minor_version());
	j = json_object_new_object();
	json_object_object_add(j, "version", json_object_new_string(PERFAGENT_VERSION));
	json_object_object_add(j, "libbpf", json_object_new_string(libbpf));
	json_object_object_add(j, "json_c", json_object_new_string(json_c_version()));
	json_object_object_add(j, "kernel", uname(&u) == 0 ?
			       json_object_new_string(u.release) : NULL);
	cli_print_json(j);
	json_object_put(j);
	return EXIT_OK;
}

static int cmd_help(struct cli *cli)
{
	const struct command *c = cli->n_args ? find_command(cli->args[0]) : NULL;

	if (cli->n_args && !c) {
		unknown_command("perfagent help", cli->args[0]);
		return EXIT_USAGE;
	}
	if (c)
		print_command_help(c, stdout);
	else
		print_usage(stdout);
	return EXIT_OK;
}
