include "a" {
  path = "a.hcl"
}
