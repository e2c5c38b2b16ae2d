terraform {
  source = ["a", "b"]
}
