unit "app" {
  source = "../units/app"
  path   = "app-a"
  values = { name = "a" }
}

unit "app" {
  source = "../units/app"
  path   = "app-b"
  values = { name = "b" }
}
