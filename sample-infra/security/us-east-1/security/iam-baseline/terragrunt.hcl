include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "${dirname(find_in_parent_folders("root.hcl"))}/modules//iam-baseline"
}

dependencies {
  paths = ["../log-archive"]
}
