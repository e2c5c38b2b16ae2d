locals {
  token = get_env("TGO_CORPUS_SURELY_UNSET")
}
