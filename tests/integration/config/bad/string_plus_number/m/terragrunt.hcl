inputs = {
  a = "x" + 1
}
