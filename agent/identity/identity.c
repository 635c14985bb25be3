// SPDX-License-Identifier: GPL-2.0-only
/*
 * What this host is. The order: an explicit instance type override, then
 * DMI (Nitro puts the instance type and id there, readable without root),
 * then IMDSv2 (region, AZ, account; the type on Xen instances and in
 * containers without DMI), then the identity cached in the state directory
 * by an earlier run, else "not EC2" and the generic profile. Nothing here
 * fails: what could not be found is said in imds_status and note.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "identity/identity.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/trust.h"
#include "core/util.h"

#define ID_VENDOR "Amazon EC2"
#define ID_CACHE_FILE "identity.json"
#define ID_CACHE_MAX (16 * 1024)
#define ID_CACHE_VERSION 1
#define ID_LABEL_W 16

static const char *const id_source_names[] = {
	[ID_SOURCE_NONE] = "none",
	[ID_SOURCE_OVERRIDE] = "override",
	[ID_SOURCE_DMI] = "dmi",
	[ID_SOURCE_IMDS] = "imds",
	[ID_SOURCE_CACHE] = "cache",
};

const char *identity_source_name(enum identity_source s)
{
	if ((unsigned int)s >= ARRAY_SIZE(id_source_names))
		return "unknown";
	return id_source_names[s];
}

/* Appends a sentence to id->note, "; "-separated; a cut one ends in "...". */
static void id_note(struct identity *id, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void id_note(struct identity *id, const char *fmt, ...)
{
	size_t len = strlen(id->note);
	va_list ap;
	int n;

	if (len && len + 2 < sizeof(id->note)) {
		strcpy(id->note + len, "; ");
		len += 2;
	}
	if (len + 1 >= sizeof(id->note))
		return;
	va_start(ap, fmt);
	n = vsnprintf(id->note + len, sizeof(id->note) - len, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= sizeof(id->note) - len && sizeof(id->note) > 4)
		strcpy(id->note + sizeof(id->note) - 4, "...");
}

/* Bounded copy; truncates (our buffers are sized for the values they hold). */
static void id_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ^i-[0-9a-f]{8,17}$ */
static bool id_valid_instance_id(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 10 || n > 19 || s[0] != 'i' || s[1] != '-')
		return false;
	for (i = 2; i < n; i++) {
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	}
	return true;
}

static int id_set_type(struct identity *id, const char *name, enum identity_source src,
		       char *err, size_t errsz)
{
	char scratch[128];
	struct itype t;
	int ret;

	if (!err) {
		err = scratch;
		errsz = sizeof(scratch);
	}
	if (strlen(name) >= sizeof(id->instance_type))
		return -EINVAL;
	ret = itype_parse(name, &t, err, errsz);
	if (ret)
		return ret;
	id_copy(id->instance_type, sizeof(id->instance_type), name);
	id->type = t;
	id->type_parsed = true;
	id->source = src;
	return 0;
}

static ssize_t id_read_sys(const struct pa_paths *p, const char *abs, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t ret;

	buf[0] = '\0';
	if (paths_sys(p, path, sizeof(path), abs))
		return -ENAMETOOLONG;
	ret = util_read_line(path, buf, size);
	if (ret < 0)
		buf[0] = '\0';
	util_make_printable(buf);	/* shown by detect and status, text and JSON */
	return ret;
}

/* ---- (a) override ---- */

static void id_try_override(const struct identity_opts *o, struct identity *id)
{
	char err[160] = "";

	if (!o->type_override || !*o->type_override)
		return;
	if (id_set_type(id, o->type_override, ID_SOURCE_OVERRIDE, err, sizeof(err)))
		id_note(id, "ignored the instance type override \"%.64s\" (%s); detecting instead",
			o->type_override, err[0] ? err : "too long");
	else
		snprintf(id->override_from, sizeof(id->override_from), "%s",
			 o->override_from ? o->override_from : "an override");
}

/* Off EC2, a type given by hand is a what-if: say so wherever the type is shown. */
static void id_explain_override(struct identity *id)
{
	if (id->source == ID_SOURCE_OVERRIDE && !id->is_ec2)
		id_note(id, "%s (from %s; not an EC2 instance)", id->instance_type,
			id->override_from);
}

/* ---- (b) DMI, then the Xen hypervisor uuid ---- */

static void id_nitro_type(struct identity *id, const char *product)
{
	char err[160];

	if (!product[0])
		return;
	if (id->source == ID_SOURCE_NONE) {
		if (id_set_type(id, product, ID_SOURCE_DMI, err, sizeof(err)))
			id_note(id, "DMI product_name \"%.64s\" is not an instance type (%s)",
				product, err);
	} else if (strcmp(product, id->instance_type)) {
		id_note(id, "instance type %s comes from the override; DMI says %.64s",
			id->instance_type, product);
	}
}

/* Fills dmi_id with board_asset_tag when it is a valid instance id. */
static void id_try_dmi(const struct pa_paths *p, struct identity *id, char *dmi_id,
		       size_t dmi_id_size)
{
	char sys_vendor[64], board_vendor[64], product[ITYPE_NAME_MAX], tag[64], uuid[64];

	dmi_id[0] = '\0';
	id_read_sys(p, "/sys/class/dmi/id/sys_vendor", sys_vendor, sizeof(sys_vendor));
	id_read_sys(p, "/sys/class/dmi/id/board_vendor", board_vendor, sizeof(board_vendor));
	if (!strcmp(sys_vendor, ID_VENDOR) || !strcmp(board_vendor, ID_VENDOR)) {
		id->is_ec2 = true;
		id_copy(id->hypervisor, sizeof(id->hypervisor), "nitro");
		id_read_sys(p, "/sys/class/dmi/id/product_name", product, sizeof(product));
		id_nitro_type(id, product);
		id_read_sys(p, "/sys/class/dmi/id/board_asset_tag", tag, sizeof(tag));
		if (id_valid_instance_id(tag)) {
			id_copy(id->instance_id, sizeof(id->instance_id), tag);
			id_copy(dmi_id, dmi_id_size, tag);
		}
		return;
	}
	/* Xen-based instances: no type in DMI, ids only from IMDS. */
	id_read_sys(p, "/sys/hypervisor/uuid", uuid, sizeof(uuid));
	if (!strncasecmp(uuid, "ec2", 3)) {
		id->is_ec2 = true;
		id_copy(id->hypervisor, sizeof(id->hypervisor), "xen");
	}
}

/* ---- (c) IMDSv2 ---- */

static bool id_imds_allowed(const struct identity_opts *o, struct identity *id)
{
	const char *env = getenv("AWS_EC2_METADATA_DISABLED");
	bool disabled = false;

	if (!o->imds_enabled) {
		id_copy(id->imds_status, sizeof(id->imds_status), "disabled by config");
		return false;
	}
	/* The AWS SDKs' word is true; the other yes words of the config count too. */
	if (env && util_parse_bool(env, &disabled) == 0 && disabled) {
		snprintf(id->imds_status, sizeof(id->imds_status),
			 "disabled by AWS_EC2_METADATA_DISABLED=%.8s", env);
		return false;
	}
	/* An override on a host that does not look like EC2: do not wait for IMDS. */
	if (id->source == ID_SOURCE_OVERRIDE && !id->is_ec2) {
		id_copy(id->imds_status, sizeof(id->imds_status),
			"not queried (instance type overridden, no EC2 signature in DMI)");
		return false;
	}
	return true;
}

static void id_apply_imds(struct identity *id, const struct imds_identity_doc *doc)
{
	id->is_ec2 = true;
	id_copy(id->region, sizeof(id->region), doc->region);
	id_copy(id->availability_zone, sizeof(id->availability_zone), doc->availability_zone);
	id_copy(id->account_id, sizeof(id->account_id), doc->account_id);
	id_copy(id->image_id, sizeof(id->image_id), doc->image_id);
	id_copy(id->architecture, sizeof(id->architecture), doc->architecture);
	id_copy(id->auto_scaling_group, sizeof(id->auto_scaling_group), doc->auto_scaling_group);
	if (!id->instance_id[0])
		id_copy(id->instance_id, sizeof(id->instance_id), doc->instance_id);
	else if (strcmp(id->instance_id, doc->instance_id))
		id_note(id, "DMI says instance %s but IMDS says %s", id->instance_id,
			doc->instance_id);
	if (id->source == ID_SOURCE_NONE)
		id_set_type(id, doc->instance_type, ID_SOURCE_IMDS, NULL, 0);
	else if (strcmp(id->instance_type, doc->instance_type))
		id_note(id, "instance type %s comes from %s; IMDS says %s", id->instance_type,
			identity_source_name(id->source), doc->instance_type);
}

static void id_try_imds(const struct identity_opts *o, struct identity *id)
{
	struct imds_identity_doc doc;

	if (!id_imds_allowed(o, id))
		return;
	if (imds_fetch_identity(&o->imds, &doc, id->imds_status, sizeof(id->imds_status))) {
		if (!id->imds_status[0])
			id_copy(id->imds_status, sizeof(id->imds_status), "failed");
		return;
	}
	id_copy(id->imds_status, sizeof(id->imds_status), "ok");
	id_apply_imds(id, &doc);
}

/* ---- the cache in the state directory ---- */

static int id_cache_path(const struct identity_opts *o, char *buf, size_t size)
{
	if (!o->paths || !o->paths->state_dir[0])
		return -ENOENT;
	return util_join(buf, size, "%s/%s", o->paths->state_dir, ID_CACHE_FILE);
}

static void id_json_add_str(struct json_object *obj, const char *key, const char *val)
{
	json_object_object_add(obj, key, val && *val ? json_object_new_string(val) : NULL);
}

static void id_save_cache(const struct identity_opts *o, const struct identity *id)
{
	struct json_object *obj;
	char path[PATH_MAX];
	const char *text;
	int ret;

	if (id->source != ID_SOURCE_DMI && id->source != ID_SOURCE_IMDS)
		return;
	if (id_cache_path(o, path, sizeof(path)))
		return;
	obj = json_object_new_object();
	if (!obj)
		return;
	json_object_object_add(obj, "version", json_object_new_int(ID_CACHE_VERSION));
	json_object_object_add(obj, "written_at_ms", json_object_new_int64(id->detected_at_ms));
	id_json_add_str(obj, "source", identity_source_name(id->source));
	json_object_object_add(obj, "is_ec2", json_object_new_boolean(id->is_ec2));
	id_json_add_str(obj, "hypervisor", id->hypervisor);
	id_json_add_str(obj, "instance_id", id->instance_id);
	id_json_add_str(obj, "instance_type", id->instance_type);
	id_json_add_str(obj, "region", id->region);
	id_json_add_str(obj, "availability_zone", id->availability_zone);
	id_json_add_str(obj, "account_id", id->account_id);
	id_json_add_str(obj, "image_id", id->image_id);
	id_json_add_str(obj, "architecture", id->architecture);
	id_json_add_str(obj, "auto_scaling_group", id->auto_scaling_group);
	text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	ret = util_mkdir_p(o->paths->state_dir, 0755);
	if (!ret)
		ret = util_write_atomic(path, text, strlen(text), 0644);
	/* Not fatal: a user running `perfagent detect` may not own the state dir. */
	if (ret)
		log_debug("could not cache the identity in %s: %s", path, strerror(-ret));
	json_object_put(obj);
}

/* The cached fields, checked; the caller decides whether to use them. */
struct id_cached {
	bool is_ec2;
	uint64_t written_at_ms;
	char hypervisor[16];
	char instance_id[32];
	char instance_type[ITYPE_NAME_MAX];
	char region[32];
	char availability_zone[32];
	char account_id[16];
	char image_id[32];
	char architecture[16];
	char auto_scaling_group[256];
};

static const char *id_cache_check(struct json_object *obj, struct id_cached *c)
{
	struct json_object *val;
	struct itype t;
	char err[128];

	if (!json_object_is_type(obj, json_type_object))
		return "not a JSON object";
	if (!json_object_object_get_ex(obj, "version", &val) ||
	    json_object_get_int(val) != ID_CACHE_VERSION)
		return "unknown version";
	if (!json_object_object_get_ex(obj, "written_at_ms", &val) ||
	    !json_object_is_type(val, json_type_int) || json_object_get_int64(val) <= 0)
		return "no written_at_ms";
	c->written_at_ms = json_object_get_int64(val);
	c->is_ec2 = !json_object_object_get_ex(obj, "is_ec2", &val) ||
		    json_object_get_boolean(val);
	if (json_get_clean_string(obj, "instance_type", c->instance_type, sizeof(c->instance_type)) ||
	    itype_parse(c->instance_type, &t, err, sizeof(err)))
		return "no valid instance_type";
	if (json_get_clean_string(obj, "instance_id", c->instance_id, sizeof(c->instance_id)) == -EINVAL ||
	    (c->instance_id[0] && !id_valid_instance_id(c->instance_id)))
		return "invalid instance_id";
	/* The rest is informational: a bad value is dropped, not fatal. */
	json_get_clean_string(obj, "hypervisor", c->hypervisor, sizeof(c->hypervisor));
	json_get_clean_string(obj, "region", c->region, sizeof(c->region));
	json_get_clean_string(obj, "availability_zone", c->availability_zone,
			sizeof(c->availability_zone));
	json_get_clean_string(obj, "account_id", c->account_id, sizeof(c->account_id));
	json_get_clean_string(obj, "image_id", c->image_id, sizeof(c->image_id));
	json_get_clean_string(obj, "architecture", c->architecture, sizeof(c->architecture));
	json_get_clean_string(obj, "auto_scaling_group", c->auto_scaling_group,
			      sizeof(c->auto_scaling_group));
	return NULL;
}

/* Parses text (len bytes) into c; NULL or the reason it is corrupt. */
static const char *id_cache_parse(const char *text, size_t len, struct id_cached *c)
{
	struct json_tokener *tok;
	struct json_object *obj;
	const char *why;

	memset(c, 0, sizeof(*c));
	if (memchr(text, '\0', len))
		return "contains a NUL byte";
	tok = json_tokener_new_ex(8);
	if (!tok)
		return "out of memory";
	obj = json_tokener_parse_ex(tok, text, (int)len);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success)
		why = "not valid JSON";
	else
		why = id_cache_check(obj, c);
	json_object_put(obj);
	json_tokener_free(tok);
	return why;
}

static void id_fill_if_empty(char *dst, size_t size, const char *src)
{
	if (!dst[0])
		id_copy(dst, size, src);
}

/* What IMDS gives and DMI does not; only the empty fields. */
static void id_fill_from_cache(struct identity *id, const struct id_cached *c)
{
	id_fill_if_empty(id->hypervisor, sizeof(id->hypervisor), c->hypervisor);
	id_fill_if_empty(id->instance_id, sizeof(id->instance_id), c->instance_id);
	id_fill_if_empty(id->region, sizeof(id->region), c->region);
	id_fill_if_empty(id->availability_zone, sizeof(id->availability_zone),
			 c->availability_zone);
	id_fill_if_empty(id->account_id, sizeof(id->account_id), c->account_id);
	id_fill_if_empty(id->image_id, sizeof(id->image_id), c->image_id);
	id_fill_if_empty(id->architecture, sizeof(id->architecture), c->architecture);
	id_fill_if_empty(id->auto_scaling_group, sizeof(id->auto_scaling_group),
			 c->auto_scaling_group);
}

static void id_apply_cache(struct identity *id, const struct id_cached *c)
{
	char when[32];

	id_set_type(id, c->instance_type, ID_SOURCE_CACHE, NULL, 0);
	id->is_ec2 = id->is_ec2 || c->is_ec2;
	id->cached_at_ms = c->written_at_ms;
	id_fill_from_cache(id, c);
	util_format_time(c->written_at_ms, when, sizeof(when));
	id_note(id, "instance type from the identity cached at %s", when);
}

/*
 * fill_only: DMI named this instance but IMDS did not answer; the cache of
 * this same instance still gives the group and image (their metric series
 * must not vanish for a run because IMDS was slow at boot).
 */
static void id_try_cache(const struct identity_opts *o, struct identity *id,
			 const char *dmi_id, bool fill_only)
{
	struct id_cached c;
	char path[PATH_MAX], why_buf[512], *text = NULL;
	const char *why;
	ssize_t len;

	if (id_cache_path(o, path, sizeof(path)))
		return;
	len = trust_read_file(path, ID_CACHE_MAX, &text, why_buf, sizeof(why_buf));
	if (len == -ENOENT)
		return;
	if (len < 0) {
		id_note(id, "ignored the identity cache: %s", why_buf);
		return;
	}
	why = id_cache_parse(text, len, &c);
	if (why) {
		id_note(id, "ignored a corrupt identity cache %s (%s)", path, why);
		goto out;
	}
	/* An image baked on another instance carries that instance's cache. */
	if (dmi_id[0] && c.instance_id[0] && strcmp(dmi_id, c.instance_id)) {
		id_note(id, "ignored the cached identity of %s: this is %s", c.instance_id,
			dmi_id);
		goto out;
	}
	if (!fill_only)
		id_apply_cache(id, &c);
	else if (dmi_id[0] && !strcmp(dmi_id, c.instance_id))
		id_fill_from_cache(id, &c);
out:
	free(text);
}

/* ---- detection ---- */

static void id_explain_none(struct identity *id)
{
	/* imds_status reads "IMDS refused ..." or "disabled by config". */
	const char *imds = strncmp(id->imds_status, "IMDS", 4) ? "IMDS " : "";

	if (id->source != ID_SOURCE_NONE)
		return;
	if (id->is_ec2)
		id_note(id, "EC2 instance (%s) of unknown type (%s%s); using the generic profile",
			id->hypervisor[0] ? id->hypervisor : "?", imds, id->imds_status);
	else
		id_note(id, "not an EC2 instance (no Amazon EC2 DMI vendor; %s%s); "
			"using the generic profile", imds, id->imds_status);
}

void identity_detect(const struct identity_opts *opts, struct identity *id)
{
	static const struct pa_paths host_paths; /* the host's /sys, no cache */
	uint64_t start = util_now_mono_ms();
	struct identity_opts o = *opts;
	char dmi_id[32];

	if (!o.paths)
		o.paths = &host_paths;
	opts = &o;
	memset(id, 0, sizeof(*id));
	id->detected_at_ms = util_now_wall_ms();
	inventory_read(opts->paths, &id->inv);
	id_try_override(opts, id);
	id_try_dmi(opts->paths, id, dmi_id, sizeof(dmi_id));
	id_try_imds(opts, id);
	/* Before saving: a save after a failed IMDS would forget the group. */
	if (id->source != ID_SOURCE_NONE && dmi_id[0] && strcmp(id->imds_status, "ok"))
		id_try_cache(opts, id, dmi_id, true);
	id_save_cache(opts, id);
	if (id->source == ID_SOURCE_NONE)
		id_try_cache(opts, id, dmi_id, false);
	id_explain_none(id);
	id_explain_override(id);
	id->detect_duration_ms = util_now_mono_ms() - start;
}

/* ---- output ---- */

static struct json_object *id_type_json(const struct identity *id)
{
	const struct itype *t = &id->type;
	struct json_object *obj, *opts;
	char letter[2] = "";
	size_t i;

	if (!id->type_parsed)
		return NULL;
	obj = json_object_new_object();
	opts = json_object_new_array();
	for (i = 0; i < sizeof(t->options) && t->options[i]; i++) {
		letter[0] = t->options[i];
		json_object_array_add(opts, json_object_new_string(letter));
	}
	letter[0] = t->processor;
	json_object_object_add(obj, "family", json_str_or_null(t->family));
	json_object_object_add(obj, "class", json_str_or_null(t->class_));
	json_object_object_add(obj, "generation",
			       t->generation ? json_object_new_int(t->generation) : NULL);
	json_object_object_add(obj, "processor", json_str_or_null(letter));
	json_object_object_add(obj, "processor_name",
			       json_str_or_null(itype_processor_name(t->processor)));
	json_object_object_add(obj, "options", opts);
	json_object_object_add(obj, "variant", json_str_or_null(t->variant));
	json_object_object_add(obj, "flex", json_object_new_boolean(t->flex));
	json_object_object_add(obj, "size", json_str_or_null(t->size));
	json_object_object_add(obj, "metal", json_object_new_boolean(t->metal));
	return obj;
}

static struct json_object *id_nics_json(const struct inventory *inv)
{
	struct json_object *arr = json_object_new_array(), *o;
	int i;

	for (i = 0; i < inv->n_nics; i++) {
		const struct inv_nic *n = &inv->nics[i];

		o = json_object_new_object();
		json_object_object_add(o, "name", json_str_or_null(n->name));
		json_object_object_add(o, "driver", json_str_or_null(n->driver));
		json_object_object_add(o, "mac", json_str_or_null(n->mac));
		json_object_object_add(o, "mtu", json_object_new_int64(n->mtu));
		json_object_object_add(o, "operstate", json_str_or_null(n->operstate));
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *id_blockdevs_json(const struct inventory *inv)
{
	struct json_object *arr = json_object_new_array(), *o;
	int i;

	for (i = 0; i < inv->n_blockdevs; i++) {
		const struct inv_blockdev *b = &inv->blockdevs[i];

		o = json_object_new_object();
		json_object_object_add(o, "name", json_str_or_null(b->name));
		json_object_object_add(o, "model", json_str_or_null(b->model));
		json_object_object_add(o, "serial", json_str_or_null(b->serial));
		json_object_object_add(o, "ebs_volume_id", json_str_or_null(b->ebs_volume_id));
		json_object_object_add(o, "kind", json_str_or_null(b->kind));
		json_object_object_add(o, "size_bytes", json_object_new_int64(b->size_bytes));
		json_object_object_add(o, "rotational", json_object_new_boolean(b->rotational));
		json_object_array_add(arr, o);
	}
	return arr;
}

struct json_object *identity_to_json(const struct identity *id)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "is_ec2", json_object_new_boolean(id->is_ec2));
	json_object_object_add(o, "source", json_object_new_string(identity_source_name(id->source)));
	json_object_object_add(o, "hypervisor", json_str_or_null(id->hypervisor));
	json_object_object_add(o, "instance_id", json_str_or_null(id->instance_id));
	json_object_object_add(o, "instance_type", json_str_or_null(id->instance_type));
	json_object_object_add(o, "type", id_type_json(id));
	json_object_object_add(o, "region", json_str_or_null(id->region));
	json_object_object_add(o, "availability_zone", json_str_or_null(id->availability_zone));
	json_object_object_add(o, "account_id", json_str_or_null(id->account_id));
	json_object_object_add(o, "image_id", json_str_or_null(id->image_id));
	json_object_object_add(o, "architecture", json_str_or_null(id->architecture));
	json_object_object_add(o, "auto_scaling_group", json_str_or_null(id->auto_scaling_group));
	json_object_object_add(o, "imds", json_str_or_null(id->imds_status));
	json_object_object_add(o, "note", json_str_or_null(id->note));
	json_object_object_add(o, "detected_at", json_time_or_null(id->detected_at_ms));
	json_object_object_add(o, "detect_duration_ms",
			       json_object_new_int64(id->detect_duration_ms));
	json_object_object_add(o, "cached_at", json_time_or_null(id->cached_at_ms));
	json_object_object_add(o, "vcpus", json_object_new_int(id->inv.vcpus));
	json_object_object_add(o, "memory_bytes", json_object_new_int64(id->inv.mem_bytes));
	json_object_object_add(o, "nics", id_nics_json(&id->inv));
	json_object_object_add(o, "block_devices", id_blockdevs_json(&id->inv));
	return o;
}

/* "8.0 GiB", "1.5 TiB", "512 MiB" */
static void id_human_bytes(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = n;
	size_t u = 0;

	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%" PRIu64 " B", n);
	else
		snprintf(buf, size, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static void id_line(FILE *out, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void id_line(FILE *out, const char *label, const char *fmt, ...)
{
	va_list ap;

	fprintf(out, "%-*s", ID_LABEL_W, label);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

static void id_print_type(const struct identity *id, FILE *out)
{
	const struct itype *t = &id->type;
	const char *proc = itype_processor_name(t->processor);
	char meaning[200] = "";
	size_t i, len = 0;

	if (!id->instance_type[0]) {
		id_line(out, "Instance type", "unknown (generic profile)");
		return;
	}
	if (id->source == ID_SOURCE_OVERRIDE)
		id_line(out, "Instance type", "%s (from %s%s)", id->instance_type,
			id->override_from, id->is_ec2 ? "" : "; not an EC2 instance");
	else
		id_line(out, "Instance type", "%s (from %s)", id->instance_type,
			identity_source_name(id->source));
	if (!id->type_parsed)
		return;
	fprintf(out, "%-*s%s: class %s", ID_LABEL_W, "Family", t->family, t->class_);
	if (t->generation)
		fprintf(out, ", generation %d", t->generation);
	if (proc)
		fprintf(out, ", %s", proc);
	if (t->variant[0])
		fprintf(out, ", variant %s", t->variant);
	fprintf(out, ", size %s%s%s\n", t->size, t->flex ? ", flex" : "",
		t->metal ? ", bare metal" : "");
	for (i = 0; i < sizeof(t->options) && t->options[i] && len < sizeof(meaning); i++) {
		const char *m = itype_option_meaning(t->options[i]);

		len += snprintf(meaning + len, sizeof(meaning) - len, "%s%c (%s)",
				i ? ", " : "", t->options[i], m ? m : "unknown");
	}
	if (meaning[0])
		id_line(out, "Options", "%s", meaning);
}

static void id_print_nics(const struct inventory *inv, FILE *out)
{
	int i, w = 0;

	if (!inv->n_nics) {
		id_line(out, "NICs", "none found");
		return;
	}
	for (i = 0; i < inv->n_nics; i++)
		if ((int)strlen(inv->nics[i].name) > w)
			w = strlen(inv->nics[i].name);
	for (i = 0; i < inv->n_nics; i++) {
		const struct inv_nic *n = &inv->nics[i];

		id_line(out, i ? "" : "NICs", "%-*s  %-10s %-17s  mtu %-5u  %s", w, n->name,
			n->driver[0] ? n->driver : "virtual", n->mac[0] ? n->mac : "-",
			n->mtu, n->operstate[0] ? n->operstate : "?");
	}
}

static void id_print_disks(const struct inventory *inv, FILE *out)
{
	char size[32];
	int i, w = 0;

	if (!inv->n_blockdevs) {
		id_line(out, "Disks", "none found");
		return;
	}
	for (i = 0; i < inv->n_blockdevs; i++)
		if ((int)strlen(inv->blockdevs[i].name) > w)
			w = strlen(inv->blockdevs[i].name);
	for (i = 0; i < inv->n_blockdevs; i++) {
		const struct inv_blockdev *b = &inv->blockdevs[i];

		id_human_bytes(b->size_bytes, size, sizeof(size));
		id_line(out, i ? "" : "Disks", "%-*s  %-14s %9s  %s%s", w, b->name, b->kind,
			size, b->ebs_volume_id[0] ? b->ebs_volume_id :
			b->model[0] ? b->model : "-", b->rotational ? " (rotational)" : "");
	}
}

static void id_print_place(const struct identity *id, FILE *out)
{
	if (id->instance_id[0])
		id_line(out, "Instance id", "%s", id->instance_id);
	if (id->region[0] || id->availability_zone[0])
		id_line(out, "Region", "%s%s%s%s", id->region[0] ? id->region : "?",
			id->availability_zone[0] ? " (" : "", id->availability_zone,
			id->availability_zone[0] ? ")" : "");
	if (id->account_id[0])
		id_line(out, "Account", "%s", id->account_id);
	if (id->image_id[0])
		id_line(out, "Image", "%s", id->image_id);
	if (id->architecture[0])
		id_line(out, "Architecture", "%s", id->architecture);
	if (id->auto_scaling_group[0])
		id_line(out, "Auto Scaling", "%s", id->auto_scaling_group);
}

void identity_print(const struct identity *id, FILE *out)
{
	char mem[32], when[40], cached[40];

	id_line(out, "EC2", "%s%s%s%s", id->is_ec2 ? "yes" : "no",
		id->hypervisor[0] ? " (" : "", id->hypervisor, id->hypervisor[0] ? ")" : "");
	id_print_type(id, out);
	id_print_place(id, out);
	id_line(out, "IMDS", "%s", id->imds_status[0] ? id->imds_status : "-");
	if (id->cached_at_ms) {
		util_format_time(id->cached_at_ms, cached, sizeof(cached));
		id_line(out, "Cached", "%s", cached);
	}
	id_human_bytes(id->inv.mem_bytes, mem, sizeof(mem));
	id_line(out, "vCPUs / memory", "%d / %s", id->inv.vcpus, mem);
	id_print_nics(&id->inv, out);
	id_print_disks(&id->inv, out);
	if (id->note[0])
		id_line(out, "Note", "%s", id->note);
	util_format_time(id->detected_at_ms, when, sizeof(when));
	id_line(out, "Detected", "%s in %" PRIu64 " ms", when, id->detect_duration_ms);
}
