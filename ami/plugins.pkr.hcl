# What this recipe needs that Debian's Packer 1.6.6 cannot read: the
# `required_plugins` block (Packer >= 1.7.0) and the amazon plugin, which
# Packer >= 1.10 no longer bundles. `packer init ami/` installs it.
# packer-plugin-amazon >= 1.2.2 for imds_support (perfagent.pkr.hcl); below
# 2.0.0 so that a major release with breaking changes is taken on purpose.
# `make ami-validate` checks this file with `packer fmt -check` only.
packer {
  required_version = ">= 1.7.0"
  required_plugins {
    amazon = {
      version = ">= 1.2.2, < 2.0.0"
      source  = "github.com/hashicorp/amazon"
    }
  }
}
