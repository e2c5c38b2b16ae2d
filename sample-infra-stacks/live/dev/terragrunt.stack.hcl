locals {
  env     = "dev"
  catalog = "git::https://github.com/acme/infra-catalog.git"
}

# A nested stack: the catalog's service stack, generated into .terragrunt-stack/service/.
stack "service" {
  source = "${local.catalog}//stacks/service?ref=v1.0.0"
  path   = "service"
  values = {
    env             = local.env
    cidr            = "10.10.0.0/16"
    module_version  = "v1.2.0"
    catalog_version = "v1.0.0"
    replicas        = 1
  }
}

# Generated next to this file (dev/dns), not under .terragrunt-stack: "soft adoption" of a unit
# whose state key must not change.
unit "dns" {
  source                  = "${local.catalog}//units/dns?ref=v1.0.0"
  path                    = "dns"
  no_dot_terragrunt_stack = true
  values = {
    zone           = "dev.example.internal"
    network_path   = "../.terragrunt-stack/service/.terragrunt-stack/network"
    module_version = "v1.2.0"
  }
}
