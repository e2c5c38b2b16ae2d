prevent_destroy = "sometimes"
