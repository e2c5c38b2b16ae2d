inputs = {
  a = find_in_parent_folders(42)
}
