# A catalog unit: everything that varies comes from `values` (terragrunt.values.hcl next to the
# generated copy). try() keeps it usable on its own, without a values file.
include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "git::https://github.com/acme/infra-modules.git//network?ref=${values.module_version}"
}

inputs = {
  name = values.name
  cidr = try(values.cidr, "10.0.0.0/16")
}
