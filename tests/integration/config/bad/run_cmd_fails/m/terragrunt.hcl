locals {
  out = run_cmd("false")
}
