# perfagent AMI: Amazon Linux 2023 and Ubuntu 24.04, x86_64 or arm64
# (Graviton), with perfagent installed, enabled, validated on the build
# instance and cleaned up for imaging. See README.md, "Baking an AMI with Packer".
#
#   packer init ami/
#   packer build -var perfagent_version=0.1.0 \
#     -var rpm_package=build/packages/perfagent-0.1.0-1.x86_64.rpm \
#     -var deb_package=build/packages/perfagent_0.1.0-1_amd64.deb ami/
#
# Needs Packer >= 1.7 with the amazon plugin (plugins.pkr.hcl). Debian's
# Packer 1.6.6 can still check this file alone: `make ami-validate`.

variable "perfagent_version" {
  type        = string
  description = "The perfagent version in the packages; goes into the AMI name and tags, and validate.sh checks the installed one against it."
}

variable "arch" {
  type        = string
  default     = "x86_64"
  description = "x86_64, or arm64 for Graviton. The packages and the instance type must be of this architecture."
  validation {
    condition     = contains(["x86_64", "arm64"], var.arch)
    error_message = "The arch variable must be x86_64 or arm64."
  }
}

variable "instance_type" {
  type        = string
  default     = ""
  description = "The build instance type; empty: m7i.large (x86_64) or m7g.large (arm64). validate.sh checks that perfagent detects it and applies its profile."
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "rpm_package" {
  type        = string
  default     = ""
  description = "The perfagent .rpm for Amazon Linux 2023 (built on an AL2023 builder of the same arch); needed to build al2023."
}

variable "deb_package" {
  type        = string
  default     = ""
  description = "The perfagent .deb for Ubuntu 24.04 (built for noble, same arch); needed to build ubuntu2404."
}

variable "image_conf" {
  type        = string
  default     = ""
  description = "perfagent settings for every instance of the image, baked as /etc/perfagent/conf.d/10-image.conf, e.g. \"mode = advise\". Empty: the packaged defaults."
}

variable "al2023_kernel" {
  type        = string
  default     = "6.12"
  description = "The kernel line of the Amazon Linux 2023 AMI to start from (6.1 or 6.12)."
}

variable "volume_size" {
  type    = number
  default = 8
}

variable "kms_key_id" {
  type        = string
  default     = ""
  description = "KMS key for the encrypted root volume and AMI; empty: the account's default EBS key (aws/ebs)."
}

variable "subnet_id" {
  type        = string
  default     = ""
  description = "Subnet of the build instance; empty: the default VPC."
}

variable "builder_cidrs" {
  type        = list(string)
  default     = []
  description = "Who may reach the build instance's SSH port through the temporary security group, e.g. [\"10.0.0.0/16\"] when Packer connects over a private address. Empty: only this machine's public IP address (as checkip.amazonaws.com sees it), never 0.0.0.0/0."
}

variable "ami_lifetime" {
  type        = string
  default     = "8760h"
  description = "How long after the build the AMI is deprecated (deprecate_at), as a Go duration; 8760h is a year. A deprecated AMI still launches, but no longer appears in listings: images are rebuilt, not kept forever."
}

variable "ami_name_prefix" {
  type    = string
  default = "perfagent"
}

variable "manifest" {
  type        = string
  default     = "build/ami/manifest.json"
  description = "Where the manifest post-processor records the AMIs built."
}

locals {
  build_time       = timestamp()
  timestamp        = formatdate("YYYYMMDD-hhmmss", local.build_time)
  deprecation_time = formatdate("YYYY-MM-DD'T'hh:mm:ss'Z'", timeadd(local.build_time, var.ami_lifetime))
  deb_arch         = var.arch == "arm64" ? "arm64" : "amd64"
  instance_type    = var.instance_type != "" ? var.instance_type : (var.arch == "arm64" ? "m7g.large" : "m7i.large")
  tags = {
    perfagent_version = var.perfagent_version
    arch              = var.arch
    created           = local.timestamp
    source_ami_id     = "{{ .SourceAMI }}"
    source_ami_name   = "{{ .SourceAMIName }}"
    build_region      = "{{ .BuildRegion }}"
  }
  run_tags = {
    Name              = "packer ${var.ami_name_prefix}-${var.perfagent_version} build"
    perfagent_version = var.perfagent_version
  }
  # Packer uploads each script and runs it as root with its variables.
  execute_command = "chmod +x '{{ .Path }}' && sudo env {{ .Vars }} bash '{{ .Path }}'"
}

source "amazon-ebs" "al2023" {
  region        = var.region
  instance_type = local.instance_type
  subnet_id     = var.subnet_id
  ssh_username  = "ec2-user"

  ami_name        = "${var.ami_name_prefix}-${var.perfagent_version}-al2023-${var.arch}-${local.timestamp}"
  ami_description = "Amazon Linux 2023 (${var.arch}) with perfagent ${var.perfagent_version}"

  # The temporary security group admits only the builder (not 0.0.0.0/0).
  temporary_security_group_source_public_ip = length(var.builder_cidrs) == 0
  temporary_security_group_source_cidrs     = length(var.builder_cidrs) > 0 ? var.builder_cidrs : null

  # Enhanced networking set here rather than inherited from the source AMI:
  # perfagent's NIC tuning and ENA counters need the ENA driver; sriov_support
  # (the Intel 82599 VF flag) keeps it on older families. The AMI is
  # deprecated ami_lifetime after the build.
  ena_support   = true
  sriov_support = true
  deprecate_at  = local.deprecation_time

  source_ami_filter {
    filters = {
      name                = "al2023-ami-2023.*-kernel-${var.al2023_kernel}-${var.arch}"
      architecture        = var.arch
      root-device-type    = "ebs"
      virtualization-type = "hvm"
      state               = "available"
    }
    owners      = ["amazon"]
    most_recent = true
  }

  # IMDSv2 only on the build instance (token required, one hop), and the
  # AMI's default for the instances launched from it. packer-plugin-amazon
  # only: Packer 1.6.6 passes them at -syntax-only, not at a full validate.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }
  imds_support = "v2.0"

  # Encrypted root volume on the build instance, and an encrypted AMI.
  launch_block_device_mappings {
    device_name           = "/dev/xvda"
    volume_size           = var.volume_size
    volume_type           = "gp3"
    iops                  = 3000
    throughput            = 125
    encrypted             = true
    kms_key_id            = var.kms_key_id
    delete_on_termination = true
  }
  encrypt_boot = true
  kms_key_id   = var.kms_key_id

  tags          = merge(local.tags, { Name = "${var.ami_name_prefix}-${var.perfagent_version}-al2023-${var.arch}", os = "al2023" })
  snapshot_tags = merge(local.tags, { os = "al2023" })
  run_tags      = local.run_tags
}

source "amazon-ebs" "ubuntu2404" {
  region        = var.region
  instance_type = local.instance_type
  subnet_id     = var.subnet_id
  ssh_username  = "ubuntu"

  ami_name        = "${var.ami_name_prefix}-${var.perfagent_version}-ubuntu2404-${var.arch}-${local.timestamp}"
  ami_description = "Ubuntu 24.04 (${var.arch}) with perfagent ${var.perfagent_version}"

  # The temporary security group admits only the builder (not 0.0.0.0/0).
  temporary_security_group_source_public_ip = length(var.builder_cidrs) == 0
  temporary_security_group_source_cidrs     = length(var.builder_cidrs) > 0 ? var.builder_cidrs : null

  # Enhanced networking set here rather than inherited from the source AMI:
  # perfagent's NIC tuning and ENA counters need the ENA driver; sriov_support
  # (the Intel 82599 VF flag) keeps it on older families. The AMI is
  # deprecated ami_lifetime after the build.
  ena_support   = true
  sriov_support = true
  deprecate_at  = local.deprecation_time

  source_ami_filter {
    filters = {
      name                = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${local.deb_arch}-server-*"
      architecture        = var.arch
      root-device-type    = "ebs"
      virtualization-type = "hvm"
      state               = "available"
    }
    # Canonical
    owners      = ["099720109477"]
    most_recent = true
  }

  # As for al2023: packer-plugin-amazon only.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }
  imds_support = "v2.0"

  launch_block_device_mappings {
    device_name           = "/dev/sda1"
    volume_size           = var.volume_size
    volume_type           = "gp3"
    iops                  = 3000
    throughput            = 125
    encrypted             = true
    kms_key_id            = var.kms_key_id
    delete_on_termination = true
  }
  encrypt_boot = true
  kms_key_id   = var.kms_key_id

  tags          = merge(local.tags, { Name = "${var.ami_name_prefix}-${var.perfagent_version}-ubuntu2404-${var.arch}", os = "ubuntu2404" })
  snapshot_tags = merge(local.tags, { os = "ubuntu2404" })
  run_tags      = local.run_tags
}

build {
  name    = "perfagent"
  sources = ["source.amazon-ebs.al2023", "source.amazon-ebs.ubuntu2404"]

  # ---- install: the package of the source's distribution
  provisioner "shell" {
    inline = ["mkdir -p /tmp/perfagent-bake"]
  }
  provisioner "file" {
    only        = ["amazon-ebs.al2023"]
    source      = var.rpm_package
    destination = "/tmp/perfagent-bake/"
  }
  provisioner "file" {
    only        = ["amazon-ebs.ubuntu2404"]
    source      = var.deb_package
    destination = "/tmp/perfagent-bake/"
  }
  provisioner "shell" {
    script          = "${path.root}/scripts/install.sh"
    execute_command = local.execute_command
    environment_vars = [
      "PERFAGENT_PACKAGE_DIR=/tmp/perfagent-bake",
      "PERFAGENT_IMAGE_CONF_B64=${base64encode(var.image_conf)}",
    ]
  }

  # ---- validate, after a reboot: the service must come up by itself
  provisioner "shell" {
    inline            = ["sudo systemctl reboot"]
    expect_disconnect = true
  }
  provisioner "shell" {
    pause_before    = "30s"
    script          = "${path.root}/scripts/validate.sh"
    execute_command = local.execute_command
    # No PERFAGENT_EXPECT_INSTANCE_TYPE: validate.sh asks IMDSv2 what this
    # instance is, independently of perfagent's own detection.
    environment_vars = [
      "PERFAGENT_EXPECT_VERSION=${var.perfagent_version}",
    ]
  }

  # ---- clean up for imaging: the last step before the AMI is taken
  provisioner "shell" {
    script          = "${path.root}/scripts/cleanup.sh"
    execute_command = local.execute_command
  }

  post-processor "manifest" {
    output     = var.manifest
    strip_path = true
    custom_data = {
      perfagent_version = var.perfagent_version
      arch              = var.arch
      instance_type     = local.instance_type
      source_ami_name   = "${build.SourceAMIName}"
    }
  }
}
