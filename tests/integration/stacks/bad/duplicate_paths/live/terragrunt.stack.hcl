unit "a" {
  source = "../units/app"
  path   = "app"
  values = { name = "a" }
}

unit "b" {
  source = "../units/app"
  path   = "./app/"
  values = { name = "b" }
}
