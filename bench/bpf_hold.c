// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loads a BPF object, attaches the named programs (all of them when none
 * is named), prints "attached" and holds them until SIGINT or SIGTERM.
 * The benchmarks' floors: bench/probes_overhead.sh (empty programs on a
 * probe's tracepoints), bench/block_bpf_stats.sh (bench/block_floor.bpf.c).
 *
 *   bpf_hold OBJECT [PROGRAM...]
 */
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static bool named(const char *name, int argc, char **argv)
{
	if (argc == 2)
		return true;
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	int chosen = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s OBJECT [PROGRAM...]\n", argv[0]);
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "%s: cannot open\n", argv[1]);
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		bool load = named(bpf_program__name(prog), argc, argv);

		bpf_program__set_autoload(prog, load);
		chosen += load;
	}
	if (!chosen || (argc > 2 && chosen != argc - 2)) {
		fprintf(stderr, "%s: not every program named is in it\n", argv[1]);
		return 1;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "%s: load failed\n", argv[1]);
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		if (bpf_program__autoload(prog) && !bpf_program__attach(prog)) {
			fprintf(stderr, "%s: cannot attach\n", bpf_program__name(prog));
			return 1;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("attached\n");
	fflush(stdout);
	while (!stop)
		pause();
	return 0;	/* the links close with the process */
}
