generate "provider" {
  path      = "provider.tf"
  contents  = ""
  if_exists = "maybe"
}
