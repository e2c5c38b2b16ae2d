inputs = {
  a = "${local.x"
}
