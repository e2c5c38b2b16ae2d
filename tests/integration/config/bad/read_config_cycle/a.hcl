locals {
  b = read_terragrunt_config("b.hcl")
}
