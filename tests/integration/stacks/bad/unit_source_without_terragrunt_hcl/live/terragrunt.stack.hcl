unit "app" {
  source = "../units/app"
  path   = "app"
}
