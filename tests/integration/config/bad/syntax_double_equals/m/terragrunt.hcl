inputs = {
  a = = 1
}
