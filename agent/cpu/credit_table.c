// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU credits of every burstable size: the one place these numbers live.
 *
 * Source: Amazon EC2 User Guide, "Key concepts and definitions for
 * burstable performance instances", table "CPU credits earned per hour"
 * (awsdocs/amazon-ec2-user-guide, doc_source/burstable-credits-baseline-
 * concepts.md; the rows are identical from 2020-09 to 2023-06), live at
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/burstable-credits-baseline-concepts.html
 *
 * earn/h = baseline per vCPU x vCPUs x 60; the maximum accrued is 24 hours
 * of earnings; launch credits (30 per vCPU) exist for T2 in standard mode
 * only and do not count toward the maximum.
 */
#include <string.h>

#include "cpu/credits.h"

static const struct credit_spec credit_table[] = {
	/* type          vCPU  earn/h  max     base%  launch */
	{ "t2.nano",     1,    3,      72,     5,     30 },
	{ "t2.micro",    1,    6,      144,    10,    30 },
	{ "t2.small",    1,    12,     288,    20,    30 },
	{ "t2.medium",   2,    24,     576,    20,    60 },
	{ "t2.large",    2,    36,     864,    30,    60 },
	{ "t2.xlarge",   4,    54,     1296,   22.5,  120 },
	{ "t2.2xlarge",  8,    81.6,   1958.4, 17,    240 },
	{ "t3.nano",     2,    6,      144,    5,     0 },
	{ "t3.micro",    2,    12,     288,    10,    0 },
	{ "t3.small",    2,    24,     576,    20,    0 },
	{ "t3.medium",   2,    24,     576,    20,    0 },
	{ "t3.large",    2,    36,     864,    30,    0 },
	{ "t3.xlarge",   4,    96,     2304,   40,    0 },
	{ "t3.2xlarge",  8,    192,    4608,   40,    0 },
	{ "t3a.nano",    2,    6,      144,    5,     0 },
	{ "t3a.micro",   2,    12,     288,    10,    0 },
	{ "t3a.small",   2,    24,     576,    20,    0 },
	{ "t3a.medium",  2,    24,     576,    20,    0 },
	{ "t3a.large",   2,    36,     864,    30,    0 },
	{ "t3a.xlarge",  4,    96,     2304,   40,    0 },
	{ "t3a.2xlarge", 8,    192,    4608,   40,    0 },
	{ "t4g.nano",    2,    6,      144,    5,     0 },
	{ "t4g.micro",   2,    12,     288,    10,    0 },
	{ "t4g.small",   2,    24,     576,    20,    0 },
	{ "t4g.medium",  2,    24,     576,    20,    0 },
	{ "t4g.large",   2,    36,     864,    30,    0 },
	{ "t4g.xlarge",  4,    96,     2304,   40,    0 },
	{ "t4g.2xlarge", 8,    192,    4608,   40,    0 },
};

const struct credit_spec *credits_spec_for(const char *instance_type)
{
	for (size_t i = 0; i < sizeof(credit_table) / sizeof(credit_table[0]); i++) {
		if (strcmp(credit_table[i].type, instance_type) == 0)
			return &credit_table[i];
	}
	return NULL;
}

size_t credits_table_size(void)
{
	return sizeof(credit_table) / sizeof(credit_table[0]);
}

const struct credit_spec *credits_table_entry(size_t i)
{
	return i < credits_table_size() ? &credit_table[i] : NULL;
}
