dependency "vpc" {
  config_path = "../vpc"
  mock_output = {}
}
