iam_role = "arn:aws:iam::111111111111:role/x"
iam_assume_role_duration = 60
