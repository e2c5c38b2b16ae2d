generate "provider" {
  path = "provider.tf"
}
