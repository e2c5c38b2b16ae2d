unit "app" {
  source = "../units/app"
  values = { name = "a" }
  path   = "apps/../../../outside"
}
