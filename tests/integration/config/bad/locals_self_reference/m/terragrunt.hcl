locals {
  ok = 1
  a = "${local.a}-x"
}
