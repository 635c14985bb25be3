// SPDX-License-Identifier: GPL-2.0-only
/* perfagent: one binary, the daemon and its command-line client. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "config.h"
#include "daemon.h"
#include "exitcodes.h"
#include "identity.h"
#include "log.h"
#include "status.h"

/* Options, and which commands accept them. */
enum {
	OPT_JSON = 1 << 0,
	OPT_CONFIG = 1 << 1,
	OPT_ROOT = 1 << 2,
	OPT_STATE_DIR = 1 << 3,
	OPT_RUNTIME_DIR = 1 << 4,
	OPT_INSTANCE_TYPE = 1 << 5,
	OPT_CHECK_CONFIG = 1 << 6,
	OPT_LOG_LEVEL = 1 << 7,
	OPT_NO_IMDS = 1 << 8,
};

struct cli {
	const char *command;
	struct pa_paths paths;
	bool json;
	bool config_given;
	bool check_config;
	bool no_imds;
	const char *instance_type;
	const char *log_level;
};

struct command {
	const char *name;
	int (*run)(struct cli *cli);
	unsigned int options;
	const char *usage;
	const char *summary;    /* one line, for the command list */
	const char *help;       /* the rest, for `perfagent help COMMAND` */
};

static int cmd_daemon(struct cli *cli);
static int cmd_status(struct cli *cli);
static int cmd_detect(struct cli *cli);
static int cmd_reload(struct cli *cli);
static int cmd_version(struct cli *cli);
static int cmd_help(struct cli *cli);

static const struct command commands[] = {
	{ "daemon", cmd_daemon,
	  OPT_CONFIG | OPT_ROOT | OPT_STATE_DIR | OPT_RUNTIME_DIR | OPT_INSTANCE_TYPE |
		  OPT_CHECK_CONFIG | OPT_LOG_LEVEL,
	  "daemon [--check-config] [--config FILE] [--instance-type TYPE] [--log-level LEVEL]",
	  "run the agent in the foreground",
	  "Runs in the foreground, as systemd (Type=notify) starts it; logs go to stderr.\n"
	  "SIGHUP reloads the configuration, SIGTERM stops. With --check-config, validate\n"
	  "the configuration and exit (0 when valid, 4 when not)." },
	{ "status", cmd_status, OPT_JSON | OPT_RUNTIME_DIR, "status [--json]",
	  "show what the running daemon sees and does",
	  "Asks the running daemon for its state: identity, profile, probes, collection,\n"
	  "metrics sink, configuration. Exits 3 when no daemon answers." },
	{ "detect", cmd_detect,
	  OPT_JSON | OPT_CONFIG | OPT_ROOT | OPT_STATE_DIR | OPT_INSTANCE_TYPE | OPT_NO_IMDS,
	  "detect [--json] [--instance-type TYPE] [--no-imds]",
	  "find out what this host is (no daemon needed)",
	  "Tries an override, then DMI, then IMDSv2, then the identity cached in the state\n"
	  "directory, then says \"not EC2\". Also lists vCPUs, memory, NICs and block devices." },
	{ "reload", cmd_reload, OPT_RUNTIME_DIR, "reload",
	  "make the daemon re-read its configuration (root)",
	  "Same as SIGHUP. An invalid configuration is refused as a whole (exit 4) and the\n"
	  "running one stays." },
	{ "version", cmd_version, 0, "version", "print the version", NULL },
	{ "help", cmd_help, 0, "help [COMMAND]", "show help for perfagent or one command", NULL },
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
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static const struct {
	unsigned int bit;
	const char *text;
} options_help[] = {
	{ OPT_JSON, "  --json                 machine-readable output (stable; see the README)\n" },
	{ OPT_CONFIG, "  --config FILE          config file (default /etc/perfagent/perfagent.conf);\n"
		      "                         drop-ins are read from conf.d/ next to it\n" },
	{ OPT_ROOT, "  --root DIR             read /proc and /sys under DIR (tests)\n" },
	{ OPT_STATE_DIR, "  --state-dir DIR        state directory (default /var/lib/perfagent)\n" },
	{ OPT_RUNTIME_DIR, "  --runtime-dir DIR      control socket directory (default /run/perfagent)\n" },
	{ OPT_INSTANCE_TYPE, "  --instance-type TYPE   use TYPE instead of detecting it\n" },
	{ OPT_NO_IMDS, "  --no-imds              do not ask the instance metadata service\n" },
	{ OPT_LOG_LEVEL, "  --log-level LEVEL      error, warn, info or debug (overrides log_level)\n" },
	{ OPT_CHECK_CONFIG, "  --check-config         validate the configuration and exit\n" },
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
}

static const char exit_codes_help[] =
	"Exit codes:\n"
	"  0  success\n"
	"  1  the operation failed (the message says why)\n"
	"  2  bad command line\n"
	"  3  the daemon is not running or did not answer\n"
	"  4  the configuration is invalid\n"
	"  5  refused: the operation needs root\n";

static void print_usage(FILE *out)
{
	fprintf(out, "Usage: perfagent COMMAND [OPTIONS]\n\n"
		     "perfagent detects the EC2 instance it runs on, watches it with eBPF probes\n"
		     "and answers 'perfagent status'.\n\nCommands:\n");
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
	case 't': cli->instance_type = arg; return 0;
	case 'l': cli->log_level = arg; return 0;
	case 'c': cli->config_given = true; return paths_set_config(&cli->paths, arg);
	case 'R': return set_dir(cli->paths.sysroot, sizeof(cli->paths.sysroot), arg);
	case 'S': return set_dir(cli->paths.state_dir, sizeof(cli->paths.state_dir), arg);
	case 'r': return set_dir(cli->paths.runtime_dir, sizeof(cli->paths.runtime_dir), arg);
	}
	return -EINVAL;
}

/* Parses the options after the command word; returns an exit code or -1 to go on. */
static int parse_options(const struct command *c, struct cli *cli, int argc, char **argv)
{
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", long_options, NULL)) != -1) {
		if (opt == 'h') {
			print_command_help(c, stdout);
			return EXIT_OK;
		}
		if (opt == ':') {
			fprintf(stderr, "perfagent %s: option '%s' needs a value\n", c->name,
				argv[optind - 1]);
			return EXIT_USAGE;
		}
		if (opt == '?' || !(option_bit(opt) & c->options)) {
			fprintf(stderr, "perfagent %s: unknown or misplaced option '%s'\n"
					"usage: perfagent %s\n", c->name, argv[optind - 1],
				c->usage);
			return EXIT_USAGE;
		}
		if (apply_option(cli, opt, optarg)) {
			fprintf(stderr, "perfagent %s: value of %s is too long\n", c->name,
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc && strcmp(c->name, "help") != 0) {
		fprintf(stderr, "perfagent %s: unexpected argument '%s'\nusage: perfagent %s\n",
			c->name, argv[optind], c->usage);
		return EXIT_USAGE;
	}
	return -1;
}

int main(int argc, char **argv)
{
	const struct command *c;
	struct cli cli = { 0 };
	int ret;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (!strcmp(argv[1], "--version"))
		argv[1] = "version";
	c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "perfagent: unknown command '%s'; run 'perfagent --help'\n",
			argv[1]);
		return EXIT_USAGE;
	}
	log_init(LOG_LVL_INFO, getenv("JOURNAL_STREAM") != NULL);
	paths_init(&cli.paths);
	cli.command = c->name;
	ret = parse_options(c, &cli, argc - 1, argv + 1);
	if (ret >= 0)
		return ret;
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
	/* help reads its argument from argv itself. */
	cli.command = optind < argc - 1 ? argv[optind + 1] : NULL;
	return c->run(&cli);
}

static int load_config_or_report(struct cli *cli, struct pa_config *cfg)
{
	struct lp_error err;
	char msg[1024];

	if (config_load(cfg, &cli->paths, cli->config_given, &err) == 0)
		return 0;
	lp_error_format(&err, msg, sizeof(msg));
	fprintf(stderr, "perfagent: invalid configuration: %s\n", msg);
	return -EINVAL;
}

static int check_config(struct cli *cli)
{
	struct pa_config cfg;

	if (load_config_or_report(cli, &cfg))
		return EXIT_CONFIG;
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
		.config_must_exist = cli->config_given,
		.type_override = cli->instance_type,
		.log_level = cli->log_level,
	};

	if (cli->check_config)
		return check_config(cli);
	return daemon_run(&opts);
}

static int print_json(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					       JSON_C_TO_STRING_SPACED |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
	return EXIT_OK;
}

static int request(struct cli *cli, const char *cmd, struct json_object **result)
{
	char sock[PATH_MAX], err[512];
	int ret;

	if (paths_socket(&cli->paths, sock, sizeof(sock))) {
		fprintf(stderr, "perfagent: runtime directory path too long\n");
		return EXIT_USAGE;
	}
	ret = client_request(sock, cmd, result, err, sizeof(err));
	if (!ret)
		return EXIT_OK;
	fprintf(stderr, "perfagent %s: %s\n", cmd, err);
	if (ret == -ENOENT || ret == -ECONNREFUSED || ret == -ETIMEDOUT)
		return EXIT_NOT_RUNNING;
	if (ret == -EPERM || ret == -EACCES)
		return EXIT_DENIED;
	return EXIT_FAILURE;
}

static int cmd_status(struct cli *cli)
{
	struct json_object *status;
	int ret = request(cli, "status", &status);

	if (ret)
		return ret;
	if (cli->json)
		print_json(status);
	else
		status_print(status, stdout);
	json_object_put(status);
	return EXIT_OK;
}

static int cmd_reload(struct cli *cli)
{
	struct json_object *result;
	int ret = request(cli, "reload", &result);

	if (ret)
		return ret == EXIT_FAILURE ? EXIT_CONFIG : ret;
	printf("configuration reloaded\n");
	json_object_put(result);
	return EXIT_OK;
}

static int cmd_detect(struct cli *cli)
{
	struct identity_opts o = { .paths = &cli->paths };
	struct identity *id;
	struct pa_config cfg;

	if (load_config_or_report(cli, &cfg))
		return EXIT_CONFIG;
	/* Big (inventory tables): keep it off the stack. */
	id = calloc(1, sizeof(*id));
	if (!id)
		return EXIT_FAILURE;
	o.type_override = cli->instance_type ? cli->instance_type : cfg.instance_type;
	o.imds_enabled = cfg.imds_enabled && !cli->no_imds;
	o.imds.endpoint = cfg.imds_endpoint[0] ? cfg.imds_endpoint : NULL;
	identity_detect(&o, id);
	if (cli->json) {
		struct json_object *j = identity_to_json(id);

		print_json(j);
		json_object_put(j);
	} else {
		identity_print(id, stdout);
	}
	free(id);
	return EXIT_OK;
}

static int cmd_version(struct cli *cli)
{
	printf("perfagent %s\n", PERFAGENT_VERSION);
	return EXIT_OK;
}

static int cmd_help(struct cli *cli)
{
	const struct command *c = cli->command ? find_command(cli->command) : NULL;

	if (cli->command && !c) {
		fprintf(stderr, "perfagent help: unknown command '%s'\n", cli->command);
		return EXIT_USAGE;
	}
	if (c)
		print_command_help(c, stdout);
	else
		print_usage(stdout);
	return EXIT_OK;
}
