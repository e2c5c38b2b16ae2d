locals {
  name = "app-01"
}

inputs = {
  digits = regex("(\\d)\\1", local.name)
}
