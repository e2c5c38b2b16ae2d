dependancy "vpc" {
  config_path = "../vpc"
}
