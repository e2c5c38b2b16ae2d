inputs = {
  name   = values.name
  region = try(values.region, "us-east-1")
  size   = values.size
}
