locals {
  a = try(local.b, "fallback")
  b = local.a
}
inputs = { x = local.a }
