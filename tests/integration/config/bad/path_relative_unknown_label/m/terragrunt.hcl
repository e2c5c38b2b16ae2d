include "root" {
  path = find_in_parent_folders("root.hcl")
}
inputs = {
  a = path_relative_to_include("nope")
}
