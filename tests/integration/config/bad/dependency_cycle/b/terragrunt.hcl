dependency "a" {
  config_path = "../a"
}
