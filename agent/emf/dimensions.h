/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * EMF dimensions: the names AWS uses (the CloudWatch agent's and EC2's), the
 * dimension sets a metric is rolled up by (the CloudWatch agent's
 * aggregation_dimensions), and dimension values as CloudWatch takes them.
 *
 * `dimension_sets = InstanceId; AutoScalingGroupName; InstanceType`: sets
 * separated by ';', the names of one set by ','; `[]` is the empty set (one
 * series over every instance). A set naming a dimension this host does not
 * know (no Auto Scaling group, no image id) is left out of its documents.
 * Per-device entities add their own dimension (Interface, VolumeId or
 * Device) to every set, but in the directive of a disk's instance-wide
 * metrics (emf/emf.h); a volume's (VolumeId) keep only the sets that name
 * InstanceId, or [InstanceId] alone: a volume is one instance's, so no
 * fleet shares its series.
 */
#ifndef PA_EMF_DIMENSIONS_H
#define PA_EMF_DIMENSIONS_H

#include <stddef.h>

/* The instance's dimensions, as AWS spells them. */
enum emf_dim {
	EMF_DIM_INSTANCE_ID,
	EMF_DIM_INSTANCE_TYPE,
	EMF_DIM_IMAGE_ID,
	EMF_DIM_ASG,            /* AutoScalingGroupName */
	EMF_DIM_N,
};

/* Each set multiplies the series of a metric: a few roll-ups, not a cube. */
#define EMF_DIMSETS_MAX 8
/* CloudWatch's limit is in characters; UTF-8 takes up to 4 bytes each. */
#define EMF_DIM_CHARS_MAX 1024
#define EMF_DIM_VALUE_SIZE (EMF_DIM_CHARS_MAX * 4 + 1)

struct emf_dimsets {
	unsigned int n;
	unsigned int sets[EMF_DIMSETS_MAX];     /* bit 1 << enum emf_dim; 0 is [] */
};

/* "InstanceId", "AutoScalingGroupName", ... */
const char *emf_dim_name(enum emf_dim d);

/* [InstanceId], [AutoScalingGroupName], [InstanceType]. */
void emf_dimsets_default(struct emf_dimsets *s);

/*
 * Parses the dimension_sets syntax above into out; 0, or -EINVAL with why in
 * err (an unknown name with the closest known one, a repeated set or name,
 * too many sets). out is unchanged on error.
 */
int emf_dimsets_parse(const char *text, struct emf_dimsets *out, char *err, size_t errsz);

/* The syntax back, "InstanceId; AutoScalingGroupName; InstanceType". */
void emf_dimsets_format(const struct emf_dimsets *s, char *buf, size_t size);

/*
 * s as a dimension value, sent as it is: invalid UTF-8 and control
 * characters become U+FFFD, at most EMF_DIM_CHARS_MAX characters, never a
 * character cut in two; out holds at most size - 1 bytes.
 */
void emf_dim_value(const char *s, char *out, size_t size);

#endif
