stack "a" {
  source = "../stacks/a"
  path   = "a"
}
