include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "${dirname(find_in_parent_folders("root.hcl"))}/modules//log-archive"
}

# The log archive must never be destroyed by a run-all destroy.
prevent_destroy = true
