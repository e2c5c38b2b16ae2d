dependency {
  config_path = "../vpc"
}
