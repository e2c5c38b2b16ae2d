unit "app" {
  source = "../units/app"
  path   = "app"
  values = { name = "a" }
}
