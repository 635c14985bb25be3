// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Test-only programs (never attached): tests/unit/probes/test_hist.c feeds values
 * through hist.bpf.h with BPF_PROG_TEST_RUN, one value per run as the first
 * raw tracepoint argument, and compares with agent/probes/hist.c; it
 * advances hist_epoch between runs as the agent does between intervals.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "hist.bpf.h"

struct hist test_hist_plain;
struct hist test_hist_shared;

/* Returns the bucket of the value (the run's retval). */
SEC("raw_tp")
int BPF_PROG(test_hist_bucket, __u64 value)
{
	return hist_bucket(value);
}

/* Adds the value to both global histograms, one per update flavour. */
SEC("raw_tp")
int BPF_PROG(test_hist_add, __u64 value)
{
	hist_add(&test_hist_plain, value);
	hist_add_shared(&test_hist_shared, value);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
