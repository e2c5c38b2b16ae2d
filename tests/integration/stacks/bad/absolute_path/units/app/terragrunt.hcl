inputs = {
  name = values.name
}

