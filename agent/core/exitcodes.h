/* SPDX-License-Identifier: GPL-2.0-only */
/* Process exit codes, documented in `perfagent --help` and the README. */
#ifndef PA_EXITCODES_H
#define PA_EXITCODES_H

enum {
	EXIT_OK = 0,
	/* 1 is EXIT_FAILURE from stdlib.h: an operation failed */
	EXIT_USAGE = 2,         /* bad command line */
	EXIT_NOT_RUNNING = 3,   /* the daemon is not running or does not answer */
	EXIT_CONFIG = 4,        /* the configuration is invalid */
	EXIT_DENIED = 5,        /* refused: root needed */
	EXIT_DRIFT = 6,         /* verify: a knob applied in this boot drifted */
};

#endif
