# A network and an app on it. Used as a nested stack: `values` here are the ones the parent's
# stack block gives (written next to this file as terragrunt.values.hcl).
locals {
  catalog = "git::https://github.com/acme/infra-catalog.git"
}

unit "network" {
  source = "${local.catalog}//units/network?ref=${values.catalog_version}"
  path   = "network"
  values = {
    name           = "${values.env}-net"
    cidr           = values.cidr
    module_version = values.module_version
  }
}

unit "app" {
  source = "${local.catalog}//units/app?ref=${values.catalog_version}"
  path   = "app"
  values = {
    name           = "${values.env}-app"
    network_path   = "../network"
    module_version = values.module_version
    replicas       = values.replicas
  }
}
