locals {
  a = read_terragrunt_config("a.hcl")
}
