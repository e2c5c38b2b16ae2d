iam_role = "arn:aws:iam::12345:role/deploy"
