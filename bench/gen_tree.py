"""Generate a large Terragrunt live tree in the usual layout, for benchmarks.

    python bench/gen_tree.py DIR [--modules 1000]

Layout: ``root.hcl`` (reads account.hcl / region.hcl / env.hcl with read_terragrunt_config, builds
iam_role, remote_state with generate, a generate "provider" block and common inputs),
``_envcommon/<component>.hcl`` (terraform source, a dependency on the environment's network, inputs),
``<account>/account.hcl``, ``<account>/<region>/region.hcl``, ``<account>/<region>/<env>/env.hcl``,
and module directories ``<account>/<region>/<env>/<component>-<n>/terragrunt.hcl`` that include
root.hcl and their component's _envcommon file with ``expose = true``. Every module but the
networks has one dependency (on its environment's network).
"""

from __future__ import annotations

import argparse
from pathlib import Path

REGIONS = ("us-east-1", "eu-west-1")
ENVS = ("blue", "green")
COMPONENTS = ("app", "database", "cache", "queue", "search")

ROOT_HCL = """\
locals {
  account_vars = read_terragrunt_config(find_in_parent_folders("account.hcl"))
  region_vars  = read_terragrunt_config(find_in_parent_folders("region.hcl"))
  env_vars     = read_terragrunt_config(find_in_parent_folders("env.hcl"))

  account_id  = local.account_vars.locals.account_id
  region      = local.region_vars.locals.region
  environment = local.env_vars.locals.environment
  tags = merge(local.account_vars.locals.tags, {
    Environment = local.environment
    Region      = local.region
    ManagedBy   = "terragrunt"
  })
}

iam_role = "arn:aws:iam::${local.account_id}:role/deploy"

remote_state {
  backend = "s3"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
  config = {
    bucket         = "state-${local.account_id}-${local.region}"
    key            = "${path_relative_to_include()}/terraform.tfstate"
    region         = local.region
    dynamodb_table = "locks-${local.account_id}"
    encrypt        = true
  }
}

generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<EOF
provider "aws" {
  region = "${local.region}"
  default_tags {
    tags = ${jsonencode(local.tags)}
  }
}
EOF
}

inputs = {
  name        = basename(get_terragrunt_dir())
  environment = local.environment
  region      = local.region
  tags        = local.tags
}
"""

ENVCOMMON_NETWORK = """\
locals {
  component = "network"
}

terraform {
  source = "${get_parent_terragrunt_dir()}/../modules//network"
}

inputs = {
  cidr_block = "10.0.0.0/16"
  azs        = ["a", "b", "c"]
}
"""

ENVCOMMON = """\
locals {
  component = "%(component)s"
  defaults = {
    instance_type = "t3.small"
    min_size      = 1
    max_size      = 3
  }
}

terraform {
  source = "${get_parent_terragrunt_dir()}/../modules//%(component)s"

  extra_arguments "retry_lock" {
    commands  = get_terraform_commands_that_need_locking()
    arguments = ["-lock-timeout=20m"]
  }
}

dependency "network" {
  config_path = "${get_terragrunt_dir()}/../network"

  mock_outputs = {
    vpc_id     = "vpc-mock"
    subnet_ids = ["subnet-a", "subnet-b"]
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan"]
}

inputs = merge(local.defaults, {
  vpc_id     = dependency.network.outputs.vpc_id
  subnet_ids = dependency.network.outputs.subnet_ids
})
"""

MODULE = """\
# %(path)s
include "root" {
  path = find_in_parent_folders("root.hcl")
}

include "envcommon" {
  path   = "${dirname(find_in_parent_folders("root.hcl"))}/_envcommon/%(component)s.hcl"
  expose = true
}

locals {
  index    = %(index)d
  priority = local.index %% 3 == 0 ? "high" : "normal"
  labels   = [for k in ["a", "b", "c"] : "${include.envcommon.locals.component}-${k}-${local.index}"]
}

inputs = {
  index         = local.index
  priority      = local.priority
  labels        = local.labels
  instance_type = local.priority == "high" ? "m5.large" : "t3.small"
  settings = {
    retention_days = %(retention)d
    alarms         = { cpu = 80, memory = 90 }
    owners         = ["team-%(team)d@example.com"]
  }
}
"""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def generate(root: Path, modules: int = 1000) -> list[Path]:
    """Write the tree under ``root``; returns the module directories. Deterministic."""
    _write(root / "root.hcl", ROOT_HCL)
    _write(root / "_envcommon" / "network.hcl", ENVCOMMON_NETWORK)
    for component in COMPONENTS:
        _write(root / "_envcommon" / f"{component}.hcl", ENVCOMMON % {"component": component})
    per_env = 25
    out: list[Path] = []
    account = 0
    while len(out) < modules:
        name = f"acct{account:02d}"
        acct_dir = root / name
        tags = f'{{ Account = "{name}", CostCenter = "cc-{account}" }}'
        _write(acct_dir / "account.hcl", f'locals {{\n  account_id = "{100000000000 + account}"\n  tags = {tags}\n}}\n')
        for region in REGIONS:
            _write(acct_dir / region / "region.hcl", f'locals {{\n  region = "{region}"\n}}\n')
            for env in ENVS:
                env_dir = acct_dir / region / env
                _write(env_dir / "env.hcl", f'locals {{\n  environment = "{env}"\n}}\n')
                for i in range(min(per_env, modules - len(out))):
                    if i == 0:
                        mod, component = env_dir / "network", "network"
                    else:
                        component = COMPONENTS[i % len(COMPONENTS)]
                        mod = env_dir / f"{component}-{i}"
                    params = {"component": component, "index": i, "retention": 7 + i, "team": i % 4}
                    params["path"] = mod.relative_to(root).as_posix()  # every file distinct, as in real trees
                    _write(mod / "terragrunt.hcl", MODULE % params)
                    out.append(mod)
                if len(out) >= modules:
                    return out
        account += 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--modules", type=int, default=1000)
    args = parser.parse_args()
    made = generate(args.dir, args.modules)
    print(f"{len(made)} modules under {args.dir}")


if __name__ == "__main__":
    main()
