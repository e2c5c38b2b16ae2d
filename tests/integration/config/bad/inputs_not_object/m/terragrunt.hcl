inputs = "everything"
