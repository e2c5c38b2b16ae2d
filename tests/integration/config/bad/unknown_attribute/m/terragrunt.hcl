iam_rol = "arn:aws:iam::111111111111:role/x"
