// SPDX-License-Identifier: GPL-2.0-only
/* irqbalance as systemd runs it, and perfagent's drop-in for it (irqbalance.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/spawn.h"
#include "core/util.h"
#include "tune/irqbalance.h"
#include "tune/knob.h"

#define ENV_FILES_MAX 8

/* Where systemd looks for system units, most important first (systemd.unit(5)). */
static const char *const unit_dirs[] = {
	"/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system",
	"/usr/lib/systemd/system", "/lib/systemd/system",
};

static irqb_runner runner;

void irqb_set_runner(irqb_runner run)
{
	runner = run;
}

/* What reading the unit and its drop-ins gathers. */
struct scan {
	struct irqb_service *s;
	int n_env;
	char env[ENV_FILES_MAX][PATH_MAX];  /* EnvironmentFile= paths */
};

/* The text of sysroot + host (a file, not a FIFO); its length or -errno. */
static ssize_t read_text(const struct pa_paths *paths, const char *host, char **text)
{
	char path[PATH_MAX];

	*text = NULL;
	if (paths_sys(paths, path, sizeof(path), host))
		return -ENAMETOOLONG;
	return util_read_file(path, IRQB_FILE_MAX, text);
}

/* The value of "Key=value" when line is that key's; NULL otherwise. */
static char *key_value(char *line, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(line, key, n) || line[n] != '=')
		return NULL;
	return util_strtrim(line + n + 1);
}

static bool is_banned_var(const char *s)
{
	return !strncmp(s, IRQB_CPULIST_VAR "=", strlen(IRQB_CPULIST_VAR) + 1) ||
	       !strncmp(s, IRQB_CPUS_VAR "=", strlen(IRQB_CPUS_VAR) + 1);
}

/* Records the first setting of a banned-CPU variable found, with file and line. */
static void found_admin(struct scan *sc, const char *file, int line, const char *text)
{
	char shown[80];

	if (!sc->s->admin[0])
		snprintf(sc->s->admin, sizeof(sc->s->admin), "%.64s:%d sets %s", file, line,
			 util_printable(text, shown, sizeof(shown)));
}

/* One line of the unit or of a drop-in other than perfagent's. */
static void unit_line(struct scan *sc, const char *file, int n, char *line, bool unit)
{
	char *v;

	if ((v = key_value(line, "ExecStart")) && unit && !sc->s->exec[0]) {
		v += strspn(v, "@-:+!");
		v[strcspn(v, " \t")] = '\0';
		if (v[0] == '/')
			snprintf(sc->s->exec, sizeof(sc->s->exec), "%s", v);
	} else if ((v = key_value(line, "EnvironmentFile"))) {
		v += *v == '-';
		if (v[0] == '/' && !strchr(v, '%') && sc->n_env < ENV_FILES_MAX)
			snprintf(sc->env[sc->n_env++], PATH_MAX, "%s", v);
	} else if ((v = key_value(line, "Environment")) &&
		   (strstr(v, IRQB_CPULIST_VAR "=") || strstr(v, IRQB_CPUS_VAR "="))) {
		found_admin(sc, file, n, line);
	}
}

/* One line of an environment file: "NAME=value", maybe after "export". */
static void env_line(struct scan *sc, const char *file, int n, char *line, bool unit)
{
	(void)unit;
	if (!strncmp(line, "export", 6) && isspace((unsigned char)line[6]))
		line = util_strtrim(line + 7);
	if (is_banned_var(line))
		found_admin(sc, file, n, line);
}

/* Calls fn on each line of host's text that is not blank or a comment; false: unread. */
static bool each_line(const struct pa_paths *paths, const char *host, struct scan *sc,
		      void (*fn)(struct scan *, const char *, int, char *, bool), bool unit,
		      ssize_t *len)
{
	char *text, *line, *next;
	int n = 0;

	*len = read_text(paths, host, &text);
	if (*len < 0)
		return false;
	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		n++;
		line = util_strtrim(line);
		if (*line && *line != '#' && *line != ';')
			fn(sc, host, n, line, unit);
	}
	free(text);
	return true;
}

static int conf_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && !strcmp(d->d_name + n - 5, ".conf");
}

/* The drop-ins of every unit directory, perfagent's own left out. */
static void scan_dropins(const struct pa_paths *paths, struct scan *sc)
{
	for (size_t i = 0; i < ARRAY_SIZE(unit_dirs); i++) {
		char dir[PATH_MAX], file[PATH_MAX];
		struct dirent **list;
		ssize_t len;
		int n;

		if (util_join(dir, sizeof(dir), "%s/%s.d", unit_dirs[i], IRQB_UNIT))
			continue;
		n = knob_scan_dir(paths, dir, &list, conf_filter);
		for (int j = 0; j < n; j++) {
			if (util_join(file, sizeof(file), "%s/%s", dir, list[j]->d_name) ||
			    !strcmp(file, IRQB_DROPIN))
				continue;
			each_line(paths, file, sc, unit_line, false, &len);
		}
		knob_free_scan(list, n);
	}
}

/* Whether the program at host holds name (a streaming search: no size limit). */
static bool program_has(const struct pa_paths *paths, const char *host, const char *name)
{
	size_t keep = strlen(name) - 1, have = 0;
	char path[PATH_MAX], buf[65536 + 64];
	bool found = false;
	ssize_t n;
	int fd;

	if (paths_sys(paths, path, sizeof(path), host))
		return true;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return true;        /* unknown: today's irqbalance takes the list */
	if (util_fd_check_kind(fd)) {
		close(fd);
		return true;
	}
	while (!found && (n = read(fd, buf + have, sizeof(buf) - have)) > 0) {
		have += (size_t)n;
		found = memmem(buf, have, name, keep + 1) != NULL;
		if (have > keep) {
			memmove(buf, buf + have - keep, keep);
			have = keep;
		}
	}
	close(fd);
	return found || n < 0;
}

static bool is_dir(const struct pa_paths *paths, const char *host)
{
	char path[PATH_MAX];
	struct stat st;

	return !paths_sys(paths, path, sizeof(path), host) && stat(path, &st) == 0 &&
	       S_ISDIR(st.st_mode);
}

void irqb_service_read(const struct pa_paths *paths, struct irqb_service *s)
{
	struct scan sc = { .s = s };
	ssize_t len = -ENOENT;

	memset(s, 0, sizeof(*s));
	s->systemd = is_dir(paths, "/run/systemd/system");
	for (size_t i = 0; i < ARRAY_SIZE(unit_dirs) && len == -ENOENT; i++) {
		char unit[PATH_MAX];

		if (util_join(unit, sizeof(unit), "%s/%s", unit_dirs[i], IRQB_UNIT) ||
		    !each_line(paths, unit, &sc, unit_line, true, &len)) {
			len = len == -ENOTDIR ? -ENOENT : len;
			continue;
		}
		snprintf(s->unit, sizeof(s->unit), "%s", unit);
	}
	if (!s->unit[0])
		return;
	s->masked = len == 0;     /* a link to /dev/null reads empty */
	scan_dropins(paths, &sc);
	for (int i = 0; i < sc.n_env; i++)
		each_line(paths, sc.env[i], &sc, env_line, false, &len);
	s->cpulist = !s->exec[0] || program_has(paths, s->exec, IRQB_CPULIST_VAR);
}

/* The value of NAME= in an Environment= line's assignments; NULL if none. */
static const char *assignment(const char *value, const char *name, char *buf, size_t size)
{
	size_t n = strlen(name);
	const char *found = NULL;

	for (const char *p = value; *p;) {
		size_t len;

		p += strspn(p, " \t\"'");
		len = strcspn(p, " \t\"'");
		if (len > n && !strncmp(p, name, n) && p[n] == '=') {
			snprintf(buf, size, "%.*s", (int)(len - n - 1), p + n + 1);
			found = buf;    /* the last assignment wins */
		}
		p += len;
	}
	return found;
}

int irqb_dropin_parse(const char *text, struct cpu_mask *m)
{
	char *copy = strdup(text), *line, *next;
	char list[256] = "", hex[256] = "", buf[256];
	bool have_list = false;
	int ret = 0;

	cpu_mask_clear(m);
	if (!copy)
		return -ENOMEM;
	for (line = copy; line; line = next) {
		char *v;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line = util_strtrim(line);
		if (!(v = key_value(line, "Environment")))
			continue;
		if (assignment(v, IRQB_CPULIST_VAR, buf, sizeof(buf))) {
			strcpy(list, buf);
			have_list = true;
		}
		if (assignment(v, IRQB_CPUS_VAR, buf, sizeof(buf)))
			strcpy(hex, buf);
	}
	free(copy);
	/* As irqbalance: a non-empty mask first, then the list. */
	if (hex[0])
		ret = cpu_mask_parse_hex(hex, m);
	else if (have_list)
		ret = cpu_mask_parse_list(list, m);
	return ret ? -EINVAL : 0;
}

int irqb_dropin_format(const struct cpu_mask *m, bool cpulist, char *buf, size_t size)
{
	char cpus[KNOB_VALUE_MAX];

	if (cpu_mask_empty(m))
		return -EINVAL;
	if (cpulist ? cpu_mask_format_list(m, cpus, sizeof(cpus)) :
		      cpu_mask_format(m, cpus, sizeof(cpus)))
		return -E2BIG;
	return util_join(buf, size,
		"# perfagent: the CPUs irqbalance keeps interrupts off, from the tuning\n"
		"# profile's [irqbalance] banned_cpus. perfagent writes this file and removes\n"
		"# it on revert; under /run it is gone at reboot. The same variable set in\n"
		"# irqbalance's EnvironmentFile= (/etc/default/irqbalance,\n"
		"# /etc/sysconfig/irqbalance) wins over this one (systemd.exec(5)), and\n"
		"# perfagent then leaves irqbalance alone.\n"
		"[Service]\n"
		"Environment=%s=%s\n", cpulist ? IRQB_CPULIST_VAR : IRQB_CPUS_VAR, cpus) ? -E2BIG : 0;
}

bool irqb_on_host(const struct pa_paths *paths)
{
	return !paths->sysroot[0] || !strcmp(paths->sysroot, "/");
}

static int run(const char *const argv[], char *err, size_t errsz)
{
	return runner ? runner(argv, err, errsz) : spawn_wait(argv, IRQB_SYSTEMCTL_MS, err, errsz);
}

int irqb_restart(const struct pa_paths *paths, bool restart, char *err, size_t errsz)
{
	const char *systemctl = access("/usr/bin/systemctl", X_OK) ? "/bin/systemctl" :
				"/usr/bin/systemctl";
	const char *const reload[] = { systemctl, "--no-ask-password", "daemon-reload", NULL };
	const char *const again[] = { systemctl, "--no-ask-password", "--no-block",
				      "try-restart", IRQB_UNIT, NULL };
	int ret;

	if (!irqb_on_host(paths))
		return 0;   /* a tree under --root: no service to tell */
	ret = run(reload, err, errsz);
	return ret || !restart ? ret : run(again, err, errsz);
}
