locals {
  catalog = "git::https://github.com/acme/infra-catalog.git"
  version = "v1.1.0"
}

unit "network" {
  source = "${local.catalog}//units/network?ref=${local.version}"
  path   = "network"
  values = {
    name           = "prod-net"
    cidr           = "10.20.0.0/16"
    module_version = "v1.2.0"
  }
}

unit "app" {
  source = "${local.catalog}//units/app?ref=${local.version}"
  path   = "app"
  values = {
    name           = "prod-app"
    network_path   = "../network"
    module_version = "v1.2.0"
    replicas       = 3
  }
}
