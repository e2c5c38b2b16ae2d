inputs = {
  a = fnd_in_parent_folders("root.hcl")
}
