// SPDX-License-Identifier: GPL-2.0-only
/*
 * Other tuning agents on fake trees in a temporary directory: tuned running
 * with an include chain (the child's values win), installed but not running,
 * an include loop, a FIFO, a huge file and garbage as tuned.conf, bpftune
 * running, nothing at all; and the knobs a plan shares with them in the
 * status JSON.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/util.h"
#include "tune/peers.h"
#include "tune/tuning.h"

struct fixture {
	char dir[PATH_MAX];
	struct pa_paths paths;
	struct peers peers;
};

/* The sysroot path of rel, its parents created. */
static const char *tree_path(struct fixture *f, const char *rel)
{
	static char path[PATH_MAX];
	char dir[PATH_MAX];

	assert_int_equal(util_join(path, sizeof(path), "%s%s", f->paths.sysroot, rel), 0);
	strcpy(dir, path);
	assert_int_equal(util_mkdir_p(dirname(dir), 0755), 0);
	return path;
}

static void put(struct fixture *f, const char *rel, const char *content)
{
	const char *path = tree_path(f, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

/* A process in the fake /proc. */
static void process(struct fixture *f, int pid, const char *comm)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "/proc/%d/comm", pid);
	put(f, rel, comm);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/test_peers.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->paths.sysroot, sizeof(f->paths.sysroot), "%s/root", f->dir);
	assert_int_equal(util_mkdir_p(f->paths.sysroot, 0755), 0);
	process(f, 1, "systemd\n");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	peers_free(&f->peers);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static const struct peer *peer(struct fixture *f, const char *name)
{
	for (size_t i = 0; i < f->peers.n; i++) {
		if (!strcmp(f->peers.v[i].name, name))
			return &f->peers.v[i];
	}
	fail_msg("no peer %s (%zu found)", name, f->peers.n);
	return NULL;
}

static const struct peer_knob *knob(const struct peer *p, const char *id)
{
	const struct peer_knob *k = peer_knob_for(p, id);

	if (!k)
		fail_msg("%s sets no %s", p->name, id);
	return k;
}

static void detect(struct fixture *f)
{
	peers_free(&f->peers);
	assert_int_equal(peers_detect(&f->paths, &f->peers), 0);
}

static void assert_contains(const char *s, const char *part)
{
	if (!strstr(s, part))
		fail_msg("'%s' lacks '%s'", s, part);
}

static const char PARENT[] =
	"[main]\n"
	"summary=parent\n"
	"[cpu]\n"
	"governor=performance\n"
	"[vm]\n"
	"transparent_hugepages=always\n"
	"[sysctl]\n"
	"vm.swappiness=10\n"
	"net.core.somaxconn = 2048\n"
	"kernel.sched_min_granularity_ns=10000000\n"
	"[sysctl.arm]\n"
	"type=sysctl\n"
	"cpuinfo_regex=CPU part\\s+:\\s+0x0?516\n"
	"kernel.numa_balancing=0\n"
	"[disk]\n"
	"readahead=>4096\n"
	"[irqbalance]\n"
	"banned_cpus=2,4,9-13\n";

static const char CHILD[] =
	"# a profile of the administrator's\n"
	"[main]\n"
	"include = parent\n"
	"[sysctl]\n"
	"vm.swappiness = 30   # less eager than the parent\n"
	"net/ipv4/tcp_rmem = \"4096 87380 6291456\"\n"
	"net.core.rmem_max = ${f:exec:/usr/libexec/tuned/rmem}\n"
	"[disk]\n"
	"devices = nvme*, !nvme9n1\n"
	"readahead = 8192 s\n"
	"elevator = none\n"
	"[vm]\n"
	"transparent_hugepage.defrag = never\n"
	"dirty_bytes = 5%\n";

static void test_tuned_running_include_chain(void **state)
{
	struct fixture *f = *state;
	const struct peer *p;
	const struct peer_knob *k;

	put(f, "/run/tuned/tuned.pid", "4242\n");
	process(f, 4242, "tuned\n");
	put(f, "/etc/tuned/active_profile", "child\n");
	put(f, "/usr/lib/tuned/parent/tuned.conf", PARENT);
	put(f, "/etc/tuned/child/tuned.conf", CHILD);
	detect(f);
	assert_int_equal(f->peers.n, 1);
	p = peer(f, "tuned");
	assert_true(p->running);
	assert_string_equal(p->evidence, "/run/tuned/tuned.pid: pid 4242");
	assert_string_equal(p->profile, "child");
	assert_string_equal(p->note, "");

	/* The child's value wins over its parent's; the parent's others stay. */
	k = knob(p, "sysctl:vm.swappiness");
	assert_string_equal(k->value, "30");
	assert_string_equal(k->source, "/etc/tuned/child/tuned.conf:5");
	assert_string_equal(knob(p, "sysctl:net.core.somaxconn")->value, "2048");
	assert_string_equal(knob(p, "sysctl:kernel.sched_min_granularity_ns")->value, "10000000");
	/* Slashes read as sysctl(8) reads them; quotes gone. */
	assert_string_equal(knob(p, "sysctl:net.ipv4.tcp_rmem")->value, "4096 87380 6291456");
	/* Computed by tuned: set, value unknown. */
	k = knob(p, "sysctl:net.core.rmem_max");
	assert_true(k->computed);
	assert_string_equal(k->value, "");
	/* A unit conditional on the CPU is left out; [cpu] has no perfagent knob. */
	assert_null(peer_knob_for(p, "sysctl:kernel.numa_balancing"));
	assert_null(peer_knob_for(p, "cpu:governor"));
	/* [vm] and [disk] as perfagent names them; sectors in KiB. */
	assert_string_equal(knob(p, "vm:transparent_hugepage")->value, "always");
	assert_string_equal(knob(p, "vm:transparent_hugepage_defrag")->value, "never");
	assert_string_equal(knob(p, "sysctl:vm.dirty_ratio")->value, "5");
	assert_string_equal(knob(p, "block:nvme1n1:read_ahead_kb")->value, "4096");
	assert_string_equal(knob(p, "block:nvme1n1:scheduler")->value, "none");
	/* The parent's [disk] covered every device: its value for the others. */
	assert_string_equal(knob(p, "block:xvda:read_ahead_kb")->value, ">4096");
	/* [irqbalance] as perfagent's drop-in names it. */
	assert_string_equal(knob(p, "irqbalance:banned_cpus")->value, "2,4,9-13");
}

/* An /etc/tuned profile may include the shipped one of its name; replace= and drop=. */
static void test_tuned_override_same_name(void **state)
{
	struct fixture *f = *state;
	const struct peer *p;

	put(f, "/etc/tuned/active_profile", "throughput-performance");
	put(f, "/usr/lib/tuned/throughput-performance/tuned.conf", PARENT);
	put(f, "/etc/tuned/throughput-performance/tuned.conf",
	    "[main]\ninclude=throughput-performance\n"
	    "[sysctl]\nreplace=1\nvm.swappiness=1\n"
	    "[vm]\ndrop=transparent_hugepages\n"
	    "[disk]\nenabled=false\nreadahead=64\n");
	detect(f);
	p = peer(f, "tuned");
	assert_false(p->running);
	assert_string_equal(p->note, "");
	assert_string_equal(knob(p, "sysctl:vm.swappiness")->value, "1");
	assert_null(peer_knob_for(p, "sysctl:net.core.somaxconn"));
	assert_null(peer_knob_for(p, "vm:transparent_hugepage"));
	assert_string_equal(knob(p, "block:nvme0n1:read_ahead_kb")->value, ">4096");
}

static void test_tuned_installed_not_running(void **state)
{
	struct fixture *f = *state;
	const struct peer *p;

	/* A pid file left by a tuned that died; its pid now someone else's, then nobody's. */
	put(f, "/run/tuned/tuned.pid", "4242\n");
	process(f, 4242, "bash\n");
	put(f, "/etc/tuned/active_profile", "parent\n");
	put(f, "/usr/lib/tuned/parent/tuned.conf", PARENT);
	detect(f);
	p = peer(f, "tuned");
	assert_false(p->running);
	assert_string_equal(p->evidence, "/etc/tuned/active_profile exists; no tuned process found");
	assert_contains(p->note, "pid 4242, which is bash, not tuned: a stale file");
	assert_string_equal(knob(p, "sysctl:vm.swappiness")->value, "10");

	assert_int_equal(unlink(tree_path(f, "/proc/4242/comm")), 0);
	assert_int_equal(rmdir(tree_path(f, "/proc/4242")), 0);
	detect(f);
	p = peer(f, "tuned");
	assert_false(p->running);
	assert_contains(p->note, "pid 4242, which does not run: a stale file");

	/* A tuned found by name; then only systemd's word (/proc hidden). */
	process(f, 977, "tuned\n");
	detect(f);
	assert_true(peer(f, "tuned")->running);
	assert_string_equal(peer(f, "tuned")->evidence, "/proc/977/comm: tuned");
	assert_int_equal(unlink(tree_path(f, "/proc/977/comm")), 0);
	assert_int_equal(symlink("0123456789abcdef0123456789abcdef",
				 tree_path(f, "/run/systemd/units/invocation:tuned.service")), 0);
	detect(f);
	assert_true(peer(f, "tuned")->running);
	assert_contains(peer(f, "tuned")->evidence, "tuned.service is active");
}

static void test_tuned_include_loop(void **state)
{
	struct fixture *f = *state;
	const struct peer *p;

	process(f, 50, "tuned");
	put(f, "/etc/tuned/active_profile", "a");
	put(f, "/usr/lib/tuned/a/tuned.conf", "[main]\ninclude=b\n[sysctl]\nvm.swappiness=1\n");
	put(f, "/usr/lib/tuned/profiles/b/tuned.conf",
	    "[main]\ninclude=c;a\n[sysctl]\nvm.swappiness=2\nnet.core.somaxconn=3\n");
	put(f, "/usr/lib/tuned/c/tuned.conf", "[main]\ninclude=../../etc\n");
	detect(f);
	p = peer(f, "tuned");
	assert_true(p->running);
	assert_contains(p->note, "include loop a -> b -> a; not followed");
	assert_contains(p->note, "'../../etc' is not a tuned profile name");
	assert_string_equal(knob(p, "sysctl:vm.swappiness")->value, "1");
	assert_string_equal(knob(p, "sysctl:net.core.somaxconn")->value, "3");

	/* A chain deeper than the limit stops with a note, not a crash. */
	for (int i = 0; i < PEERS_INCLUDE_DEPTH + 2; i++) {
		char rel[64], text[64];

		snprintf(rel, sizeof(rel), "/usr/lib/tuned/d%d/tuned.conf", i);
		snprintf(text, sizeof(text), "[main]\ninclude=d%d\n", i + 1);
		put(f, rel, text);
	}
	put(f, "/etc/tuned/active_profile", "d0");
	detect(f);
	assert_contains(peer(f, "tuned")->note, "includes nested deeper than 8 at d8");
}

static void test_tuned_bad_files(void **state)
{
	struct fixture *f = *state;
	const struct peer *p;
	char *big;

	process(f, 50, "tuned");
	put(f, "/etc/tuned/active_profile", "fifo huge garbage missing");
	/* A FIFO with no writer: reading it must neither block nor fail the rest. */
	assert_int_equal(mkfifo(tree_path(f, "/usr/lib/tuned/fifo/tuned.conf"), 0644), 0);
	big = malloc(PEERS_FILE_MAX + 2);
	assert_non_null(big);
	memset(big, '#', PEERS_FILE_MAX + 1);
	big[PEERS_FILE_MAX + 1] = '\0';
	put(f, "/usr/lib/tuned/huge/tuned.conf", big);
	free(big);
	put(f, "/usr/lib/tuned/garbage/tuned.conf",
	    "\x01\x02 no section\n[sysctl\n=5\n[sysctl]\nvm.swappiness=7\n*evil[glob]=1\n");
	detect(f);
	p = peer(f, "tuned");
	assert_true(p->running);
	assert_string_equal(p->profile, "fifo huge garbage missing");
	assert_contains(p->note, "cannot read /usr/lib/tuned/fifo/tuned.conf: a FIFO or socket");
	assert_contains(p->note, "cannot read /usr/lib/tuned/huge/tuned.conf: larger than 256 KiB");
	assert_contains(p->note, "/usr/lib/tuned/garbage/tuned.conf: 3 lines not understood "
			"(first: line 1)");
	assert_contains(p->note, "profile missing not found");
	assert_string_equal(knob(p, "sysctl:vm.swappiness")->value, "7");
	assert_int_equal(p->n_knobs, 1);

	/* A FIFO as the pid file and as active_profile: notes too. */
	assert_int_equal(mkfifo(tree_path(f, "/run/tuned/tuned.pid"), 0644), 0);
	assert_int_equal(unlink(tree_path(f, "/etc/tuned/active_profile")), 0);
	assert_int_equal(mkfifo(tree_path(f, "/etc/tuned/active_profile"), 0644), 0);
	detect(f);
	p = peer(f, "tuned");
	assert_contains(p->note, "cannot read /run/tuned/tuned.pid: a FIFO or socket");
	assert_contains(p->note, "cannot read /etc/tuned/active_profile: a FIFO or socket");
	assert_int_equal(p->n_knobs, 0);
}

static void test_bpftune_running(void **state)
{
	struct fixture *f = *state;
	const struct peer *p;
	const struct peer_knob *k;

	process(f, 321, "bpftune\n");
	detect(f);
	assert_int_equal(f->peers.n, 1);
	p = peer(f, "bpftune");
	assert_true(p->running);
	assert_string_equal(p->evidence, "/proc/321/comm: bpftune");
	k = knob(p, "sysctl:net.ipv4.tcp_rmem");
	assert_true(k->computed);
	assert_contains(k->source, "tcp_buffer");
	assert_non_null(peer_knob_for(p, "sysctl:net.core.netdev_max_backlog"));
	assert_null(peer_knob_for(p, "sysctl:vm.swappiness"));

	/* Installed, not running. */
	assert_int_equal(unlink(tree_path(f, "/proc/321/comm")), 0);
	put(f, "/usr/sbin/bpftune", "");
	detect(f);
	assert_false(peer(f, "bpftune")->running);
	assert_contains(peer(f, "bpftune")->evidence, "/usr/sbin/bpftune exists");
}

static void test_none(void **state)
{
	struct fixture *f = *state;

	/* A FIFO as a comm file is passed over like any unreadable one. */
	assert_int_equal(mkfifo(tree_path(f, "/proc/99/comm"), 0644), 0);
	put(f, "/usr/lib/tuned/parent/tuned.conf", PARENT);     /* a package, never used */
	detect(f);
	assert_int_equal(f->peers.n, 0);
}

/* A plan item as tune_plan leaves it. */
static void plan_item(struct tune_plan *plan, const char *id, const char *desired,
		      enum tune_action action, enum tune_skip skip)
{
	struct tune_item *it;

	plan->items = realloc(plan->items, (plan->n + 1) * sizeof(*it));
	assert_non_null(plan->items);
	it = &plan->items[plan->n++];
	memset(it, 0, sizeof(*it));
	strcpy(it->knob.id, id);
	strcpy(it->wanted, desired);
	if (action != TUNE_SKIP)
		strcpy(it->desired, desired);
	it->action = action;
	it->skip = skip;
}

/* tuned running with the child profile (which includes the parent), detected. */
static void tuned_child_running(struct fixture *f)
{
	process(f, 4242, "tuned\n");
	put(f, "/etc/tuned/active_profile", "child\n");
	put(f, "/usr/lib/tuned/parent/tuned.conf", PARENT);
	put(f, "/etc/tuned/child/tuned.conf", CHILD);
	detect(f);
}

/* o's string member key is want. */
static void assert_member(struct json_object *o, const char *key, const char *want)
{
	assert_string_equal(json_object_get_string(json_object_object_get(o, key)), want);
}

static void test_shared_knobs_json(void **state)
{
	struct fixture *f = *state;
	struct tune_plan plan = { 0 };
	struct json_object *j, *p, *shared, *k;

	tuned_child_running(f);
	plan_item(&plan, "sysctl:vm.swappiness", "10", TUNE_SET, TUNE_SKIP_NONE);
	plan_item(&plan, "sysctl:net.core.rmem_max", "16777216", TUNE_KEEP, TUNE_SKIP_NONE);
	plan_item(&plan, "sysctl:net.core.somaxconn", "4096", TUNE_SKIP, TUNE_SKIP_OVERRIDDEN);
	/* Excluded and missing knobs are not perfagent's to set: not shared. */
	plan_item(&plan, "sysctl:net.ipv4.tcp_rmem", "4096", TUNE_SKIP, TUNE_SKIP_EXCLUDED);
	plan_item(&plan, "block:nvme0n1:read_ahead_kb", "256", TUNE_SKIP, TUNE_SKIP_MISSING);
	plan_item(&plan, "sysctl:net.core.wmem_max", "16777216", TUNE_SET, TUNE_SKIP_NONE);

	j = tuning_peers_json(&f->peers, &(struct tuning_claims){ .plan = &plan }, true);
	assert_int_equal(json_object_array_length(j), 1);
	p = json_object_array_get_idx(j, 0);
	assert_member(p, "name", "tuned");
	assert_true(json_object_get_boolean(json_object_object_get(p, "running")));
	shared = json_object_object_get(p, "shared_knobs");
	assert_int_equal(json_object_array_length(shared), 3);
	k = json_object_array_get_idx(shared, 0);
	assert_member(k, "id", "sysctl:vm.swappiness");
	assert_member(k, "perfagent", "10");
	assert_member(k, "peer", "30");
	k = json_object_array_get_idx(shared, 1);
	assert_null(json_object_object_get(k, "peer"));        /* computed by tuned */
	k = json_object_array_get_idx(shared, 2);
	assert_member(k, "perfagent_action", "overridden");
	assert_contains(json_object_get_string(json_object_object_get(p, "perfagent_does")),
			"exclude =");
	json_object_put(j);

	/* Without a plan, nothing is shared and nothing needs doing. */
	j = tuning_peers_json(&f->peers, &(struct tuning_claims){ 0 }, false);
	p = json_object_array_get_idx(j, 0);
	assert_int_equal(json_object_array_length(json_object_object_get(p, "shared_knobs")), 0);
	assert_null(json_object_object_get(p, "perfagent_does"));
	json_object_put(j);
	free(plan.items);
}

/* A sysctl rule on a knob of its own; cap as written, resolved when known. */
static struct adapt_rule sysctl_rule(const char *name, const char *knob)
{
	struct adapt_rule r = { .target = ADAPT_TARGET_SYSCTL, .cap = "65535",
				.cap_for = { .known = true, .value = 65535 } };

	snprintf(r.name, sizeof(r.name), "%s", name);
	snprintf(r.knob, sizeof(r.knob), "%s", knob);
	return r;
}

/*
 * The knobs adaptive rules step are perfagent's too: one the plan also
 * claims names its rule, one only a rule claims is an entry of its own;
 * excluded knobs and rules that do not run are left out.
 */
static void test_shared_rule_knobs(void **state)
{
	struct fixture *f = *state;
	struct tune_plan plan = { 0 };
	struct adapt_rule rules[5];
	const char *excludes[] = { "sysctl:net.ipv4.tcp_*", NULL };
	struct tuning_claims claims = { .plan = &plan, .rules = rules, .n_rules = 5,
					.excludes = excludes };
	struct json_object *j, *shared, *k;

	tuned_child_running(f);
	plan_item(&plan, "sysctl:net.core.rmem_max", "16777216", TUNE_KEEP, TUNE_SKIP_NONE);
	rules[0] = sysctl_rule("rmem", "net.core.rmem_max");
	rules[1] = sysctl_rule("gran", "kernel.sched_min_granularity_ns");
	rules[2] = sysctl_rule("rmem3", "net.ipv4.tcp_rmem");           /* excluded */
	rules[3] = sysctl_rule("q", "net.core.somaxconn");
	snprintf(rules[3].conflict, sizeof(rules[3].conflict), "off: the profile sets it");
	rules[4] = sysctl_rule("mem", "vm.swappiness");
	rules[4].unresolved = true;                                     /* does not run */
	snprintf(rules[4].cap, sizeof(rules[4].cap), "12%%mem in pages");

	j = tuning_peers_json(&f->peers, &claims, true);
	shared = json_object_object_get(json_object_array_get_idx(j, 0), "shared_knobs");
	assert_int_equal(json_object_array_length(shared), 2);
	k = json_object_array_get_idx(shared, 0);
	assert_member(k, "id", "sysctl:net.core.rmem_max");
	assert_member(k, "perfagent_action", "keep");
	assert_member(k, "adaptive_rule", "rmem");
	k = json_object_array_get_idx(shared, 1);
	assert_member(k, "id", "sysctl:kernel.sched_min_granularity_ns");
	assert_member(k, "perfagent_action", "adaptive");
	assert_member(k, "perfagent", "steps it up to 65535");
	assert_member(k, "peer", "10000000");
	json_object_put(j);

	/* a cap from a formula shows the machine's value and the formula */
	rules[1].cap_for.value = 251658;
	snprintf(rules[1].cap, sizeof(rules[1].cap), "12%%mem in pages");
	snprintf(rules[1].cap_for.why, sizeof(rules[1].cap_for.why), "12%% of 8 GiB RAM");
	j = tuning_peers_json(&f->peers, &claims, true);
	shared = json_object_object_get(json_object_array_get_idx(j, 0), "shared_knobs");
	k = json_object_array_get_idx(shared, 1);
	assert_member(k, "perfagent", "steps it up to 251658 (12%mem in pages)");
	json_object_put(j);
	free(plan.items);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tuned_running_include_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tuned_override_same_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tuned_installed_not_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tuned_include_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tuned_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bpftune_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_knobs_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_rule_knobs, setup, teardown),
	};

	/* A reader that blocks on a FIFO would hang: fail instead (SIGALRM). */
	alarm(30);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
