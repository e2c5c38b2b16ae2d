dependency "vpc" {
  mock_outputs = {}
}
