inputs = {
  a = var.name
}
