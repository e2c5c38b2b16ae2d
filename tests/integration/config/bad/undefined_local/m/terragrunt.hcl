locals {
  region = "us-east-1"
}
inputs = {
  r = local.regoin
}
