stack "b" {
  source = "../../../stacks/b"
  path   = "b"
}
