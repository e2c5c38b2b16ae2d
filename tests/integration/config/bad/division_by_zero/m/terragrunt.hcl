inputs = {
  a = 1 / 0
}
