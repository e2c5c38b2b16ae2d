inputs = {
  a = 1
