/* SPDX-License-Identifier: GPL-2.0-only */
/* The credit mode of a burstable instance: the model's and config's setting. */
#ifndef PA_CREDIT_MODE_H
#define PA_CREDIT_MODE_H

enum credit_mode {
	CREDIT_MODE_DEFAULT,    /* the family's default: T2 standard, others unlimited */
	CREDIT_MODE_STANDARD,
	CREDIT_MODE_UNLIMITED,
};

#endif
