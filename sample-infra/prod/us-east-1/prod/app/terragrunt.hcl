include "root" {
  path = find_in_parent_folders("root.hcl")
}

include "envcommon" {
  path   = "${dirname(find_in_parent_folders("root.hcl"))}/_envcommon/app.hcl"
  expose = true
}

# The child's inputs override the included ones key by key (shallow merge).
inputs = {
  name = "${include.envcommon.locals.component}-primary"
}
