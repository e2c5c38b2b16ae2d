terraform {
  source = "../modules/x"
}

remote_state {
  backend = "s3"
  config = {
    bucket = "b"
  }

inputs = {
  a = 1
}
