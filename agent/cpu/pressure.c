// SPDX-License-Identifier: GPL-2.0-only
/* /proc/pressure/cpu: the time tasks waited for a CPU (pressure.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/pressure.h"
#include "core/util.h"

int pressure_parse_some(const char *text, uint64_t *total_us)
{
	const char *line = text, *total;

	/* "some avg10=0.00 avg60=0.00 avg300=0.00 total=12345" */
	while (line && strncmp(line, "some ", 5)) {
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	if (!line)
		return -EINVAL;
	total = strstr(line, " total=");
	if (!total || (strchr(line, '\n') && total > strchr(line, '\n')))
		return -EINVAL;
	if (sscanf(total, " total=%" SCNu64, total_us) != 1)
		return -EINVAL;
	return 0;
}

int pressure_cpu_some_us(const struct pa_paths *paths, uint64_t *total_us)
{
	char path[PATH_MAX], *text = NULL;
	ssize_t len;
	int ret;

	ret = paths_sys(paths, path, sizeof(path), "/proc/pressure/cpu");
	if (ret < 0)
		return ret;
	len = util_read_file(path, 4096, &text);
	if (len < 0)
		return (int)len;
	ret = pressure_parse_some(text, total_us);
	free(text);
	return ret;
}
