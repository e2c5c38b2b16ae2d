unit "app" {
  source = "../units/app"
  path   = "/tmp/app"
  values = { name = "a" }
}
