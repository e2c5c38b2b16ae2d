include "root" {
  expose = true
}
