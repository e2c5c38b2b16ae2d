locals {
  name = "app
  env  = "prod"
}
inputs = {
  n = local.name
}
