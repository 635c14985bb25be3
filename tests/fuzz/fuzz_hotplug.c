// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: one netlink datagram, read both as a uevent and as rtnetlink
 * link messages. Neither parser may read past the buffer, and what they
 * report must hold: a uevent's event names a short printable disk name, a
 * link has a short printable name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/hotplug.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const char *name)
{
	size_t n = strnlen(name, HOTPLUG_NAME_MAX);

	if (n == 0 || n == HOTPLUG_NAME_MAX || strchr(name, '/'))
		abort();
	for (size_t i = 0; i < n; i++)
		if (name[i] <= ' ' || name[i] > '~')
			abort();
}

static void on_link(const struct hotplug_link *link, void *arg)
{
	check_name(link->name);
	(*(int *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hotplug_event ev;
	char *copy = malloc(size ? size : 1);   /* exactly size bytes: ASan sees any overread */
	bool done = false;
	int links = 0, ret;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (hotplug_parse_uevent(copy, size, &ev) == 1) {
		check_name(ev.name);
		if (ev.dev != HOTPLUG_BLOCK)
			abort();
	}
	/* rtnetlink messages are 4-byte aligned in the kernel's buffers. */
	ret = hotplug_parse_rtnl(copy, size, on_link, &links, &done);
	if (ret >= 0 && ret != links)
		abort();
	free(copy);
	return 0;
}
