# ruff: noqa: E501  (the configuration texts keep the long lines users write)
"""A corpus of live repositories written in the styles Terragrunt users write (stacks aside), each
with the values Terragrunt renders for them: ``REPOS`` maps a repository name to its files and to
``{module: {dotted path in render --json: expected value}}``.

Used by tests/integration/config/test_compat_corpus.py (every repository must render with the
expected values) and bench/compat_run.py (how many render, and each failure's first line).
"""

from __future__ import annotations

from typing import Any

Repo = tuple[dict[str, str], dict[str, dict[str, Any]]]

ACCOUNT = 'locals {\n  account_name = "%s"\n  account_id   = "%s"\n}\n'
REGION = 'locals {\n  aws_region = "%s"\n}\n'
ENV = 'locals {\n  environment = "%s"\n}\n'

INFRA_LIVE_ROOT = """
locals {
  account_vars = read_terragrunt_config(find_in_parent_folders("account.hcl"))
  region_vars  = read_terragrunt_config(find_in_parent_folders("region.hcl"))
  env_vars     = read_terragrunt_config(find_in_parent_folders("env.hcl"))
  account_name = local.account_vars.locals.account_name
  account_id   = local.account_vars.locals.account_id
  aws_region   = local.region_vars.locals.aws_region
}

generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<EOF
provider "aws" {
  region = "${local.aws_region}"
  allowed_account_ids = ["${local.account_id}"]
}
EOF
}

remote_state {
  backend = "s3"
  config = {
    encrypt        = true
    bucket         = "${get_env("TG_BUCKET_PREFIX", "")}terragrunt-example-tf-state-${local.account_name}-${local.aws_region}"
    key            = "${path_relative_to_include()}/tf.tfstate"
    region         = local.aws_region
    dynamodb_table = "tf-locks"
  }
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
}

inputs = merge(
  local.account_vars.locals,
  local.region_vars.locals,
  local.env_vars.locals,
)
"""

ENVCOMMON_MYSQL = """
locals {
  environment_vars = read_terragrunt_config(find_in_parent_folders("env.hcl"))
  env              = local.environment_vars.locals.environment
  base_source_url  = "git::git@github.com:acme/modules.git//mysql"
}

inputs = {
  name              = "mysql_${local.env}"
  instance_class    = "db.t2.micro"
  allocated_storage = 20
  storage_type      = "standard"
}
"""

UNIT_MYSQL = """
include "root" {
  path = find_in_parent_folders("root.hcl")
}

include "envcommon" {
  path   = "${dirname(find_in_parent_folders("root.hcl"))}/_envcommon/mysql.hcl"
  expose = true
}

terraform {
  source = "${include.envcommon.locals.base_source_url}?ref=v0.8.0"
}

inputs = {
  instance_class = "db.t2.medium"
}
"""


def infra_live() -> Repo:
    files = {"root.hcl": INFRA_LIVE_ROOT, "_envcommon/mysql.hcl": ENVCOMMON_MYSQL}
    expected: dict[str, dict[str, Any]] = {}
    for account, account_id, env in (("non-prod", "111111111111", "qa"), ("prod", "222222222222", "prod")):
        files[f"{account}/account.hcl"] = ACCOUNT % (account, account_id)
        files[f"{account}/us-east-1/region.hcl"] = REGION % "us-east-1"
        files[f"{account}/us-east-1/{env}/env.hcl"] = ENV % env
        module = f"{account}/us-east-1/{env}/mysql"
        files[f"{module}/terragrunt.hcl"] = UNIT_MYSQL
        expected[module] = {
            "terraform.source": "git::git@github.com:acme/modules.git//mysql?ref=v0.8.0",
            "remote_state.config.key": f"{module}/tf.tfstate",
            "remote_state.config.bucket": f"terragrunt-example-tf-state-{account}-us-east-1",
            "remote_state.generate.path": "backend.tf",
            "inputs.name": f"mysql_{env}",
            "inputs.instance_class": "db.t2.medium",
            "inputs.allocated_storage": 20,
            "inputs.account_id": account_id,
            "inputs.environment": env,
            "generate.provider.path": "provider.tf",
        }
    return files, expected


def dependency_chain() -> Repo:
    root = 'remote_state {\n  backend = "local"\n  config = {\n    path = "${get_parent_terragrunt_dir()}/state/${path_relative_to_include()}.tfstate"\n  }\n}\n'
    vpc = 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\ninputs = { cidr = "10.0.0.0/16" }\n'
    app = """
include "root" {
  path = find_in_parent_folders("root.hcl")
}
dependency "vpc" {
  config_path = "../vpc"
  mock_outputs = {
    vpc_id     = "vpc-mock"
    subnet_ids = ["subnet-a", "subnet-b"]
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan", "init"]
  mock_outputs_merge_strategy_with_state  = "shallow"
}
inputs = {
  vpc_id    = dependency.vpc.outputs.vpc_id
  subnet_id = dependency.vpc.outputs.subnet_ids[0]
}
"""
    dns = """
include "root" {
  path = find_in_parent_folders("root.hcl")
}
dependency "app" {
  config_path  = "../app"
  skip_outputs = true
  mock_outputs = { endpoint = "app.mock" }
}
dependencies {
  paths = ["../vpc"]
}
inputs = { target = dependency.app.outputs.endpoint }
"""
    files = {"root.hcl": root, "vpc/terragrunt.hcl": vpc, "app/terragrunt.hcl": app, "dns/terragrunt.hcl": dns}
    expected = {
        "vpc": {"inputs.cidr": "10.0.0.0/16", "remote_state.backend": "local"},
        "app": {
            "inputs.vpc_id": "vpc-mock",
            "inputs.subnet_id": "subnet-a",
            "dependency.vpc.config_path": "../vpc",
            "dependency.vpc.outputs": None,
            "dependency.vpc.mock_outputs_merge_strategy_with_state": "shallow",
            "tgo.used_mock_outputs": True,
        },
        "dns": {"inputs.target": "app.mock", "dependency.app.skip": True, "dependencies.paths": ["../vpc"]},
    }
    return files, expected


def generate_variety() -> Repo:
    unit = """
locals {
  versions = { aws = "~> 5.0" }
}
generate "versions" {
  path              = "versions_override.tf"
  if_exists         = "overwrite"
  disable_signature = true
  contents          = <<-EOF
    terraform {
      required_providers {
        aws = { source = "hashicorp/aws", version = "${local.versions.aws}" }
      }
    }
  EOF
}
generate "skipped" {
  path      = "skipped.tf"
  if_exists = "skip"
  disable   = "true"
  contents  = ""
}
generate "comment" {
  path           = "x.auto.tfvars"
  if_exists      = "overwrite_terragrunt"
  comment_prefix = "// "
  contents       = jsonencode({ a = 1 })
}
"""
    attr_form = 'generate = {\n  provider = {\n    path      = "provider.tf"\n    if_exists = "overwrite"\n    contents  = "provider \\"null\\" {}"\n  }\n}\n'
    files = {"blocks/terragrunt.hcl": unit, "attribute/terragrunt.hcl": attr_form}
    expected = {
        "blocks": {
            "generate.versions.disable_signature": True,
            "generate.versions.if_exists": "overwrite",
            "generate.skipped.disable": True,
            "generate.comment.comment_prefix": "// ",
            "generate.comment.contents": '{"a":1}',
        },
        "attribute": {"generate.provider.path": "provider.tf", "generate.provider.if_exists": "overwrite"},
    }
    return files, expected


def remote_state_variants() -> Repo:
    block = 'remote_state {\n  backend = "s3"\n  disable_init = true\n  config = {\n    bucket = "b"\n    key = "${path_relative_to_include()}/terraform.tfstate"\n    region = "eu-west-1"\n  }\n}\n'
    attribute = 'remote_state = {\n  backend = "gcs"\n  disable_dependency_optimization = "true"\n  config = {\n    bucket = "g"\n    prefix = basename(get_terragrunt_dir())\n  }\n}\n'
    root = 'remote_state {\n  backend = "s3"\n  config = {\n    bucket = "shared"\n    key    = "${path_relative_to_include()}/terraform.tfstate"\n  }\n}\n'
    child = 'include {\n  path = find_in_parent_folders("root.hcl")\n}\n'
    files = {
        "block/terragrunt.hcl": block,
        "attribute/terragrunt.hcl": attribute,
        "root.hcl": root,
        "nested/deep/child/terragrunt.hcl": child,
    }
    expected = {
        "block": {"remote_state.disable_init": True, "remote_state.config.key": "./terraform.tfstate"},
        "attribute": {
            "remote_state.backend": "gcs",
            "remote_state.disable_dependency_optimization": True,
            "remote_state.config.prefix": "attribute",
        },
        "nested/deep/child": {"remote_state.config.key": "nested/deep/child/terraform.tfstate"},
    }
    return files, expected


def common_files() -> Repo:
    common = 'locals {\n  org = "acme"\n  tags = { team = "platform", managed_by = "terragrunt" }\n}\n'
    unit = """
locals {
  common   = read_terragrunt_config(find_in_parent_folders("common.hcl"))
  optional = try(read_terragrunt_config("optional.hcl"), { locals = { size = "small" } })
  env      = yamldecode(file(find_in_parent_folders("env.yaml")))
}
inputs = {
  name = "${local.common.locals.org}-${local.env.name}"
  tags = merge(local.common.locals.tags, { env = local.env.name })
  size = local.optional.locals.size
  zones = [for z in local.env.zones : "${local.env.region}${z}"]
}
"""
    files = {
        "common.hcl": common,
        "staging/env.yaml": "name: staging\nregion: us-west-2\nzones: [a, b]\n",
        "staging/api/terragrunt.hcl": unit,
    }
    expected = {
        "staging/api": {
            "inputs.name": "acme-staging",
            "inputs.tags": {"team": "platform", "managed_by": "terragrunt", "env": "staging"},
            "inputs.size": "small",
            "inputs.zones": ["us-west-2a", "us-west-2b"],
        }
    }
    return files, expected


def json_configs() -> Repo:
    import json

    root = 'locals {\n  region = "ap-south-1"\n}\ninputs = { region = local.region }\n'
    labelled = {
        "include": {"root": {"path": '${find_in_parent_folders("root.hcl")}', "expose": True}},
        "terraform": {"source": "../modules//svc"},
        "inputs": {"name": "svc", "where": "${include.root.locals.region}"},
    }
    bare = {"include": {"path": "../root.hcl"}, "inputs": {"name": "bare"}}
    dep = {
        "dependency": {"svc": {"config_path": "../svc", "mock_outputs": {"url": "http://mock"}}},
        "inputs": {"url": "${dependency.svc.outputs.url}"},
    }
    files = {
        "root.hcl": root,
        "svc/terragrunt.hcl.json": json.dumps(labelled),
        "bare/terragrunt.hcl.json": json.dumps(bare),
        "consumer/terragrunt.hcl.json": json.dumps(dep),
    }
    expected = {
        "svc": {"inputs.where": "ap-south-1", "inputs.region": "ap-south-1", "terraform.source": "../modules//svc"},
        "bare": {"inputs.name": "bare", "inputs.region": "ap-south-1"},
        "consumer": {"inputs.url": "http://mock", "dependency.svc.config_path": "../svc"},
    }
    return files, expected


def shared_dependency_in_parent() -> Repo:
    envcommon = """
dependency "network" {
  config_path = ""
  mock_outputs = { vpc_id = "vpc-placeholder" }
}
feature "canary" {
  default = false
}
inputs = {
  vpc_id = dependency.network.outputs.vpc_id
  canary = feature.canary.value
}
"""
    unit = """
include "envcommon" {
  path           = "${get_terragrunt_dir()}/../_envcommon/app.hcl"
  merge_strategy = "deep"
}
dependency "network" {
  config_path  = "../network"
  mock_outputs = { vpc_id = "vpc-from-unit" }
}
inputs = { name = "app", canary_label = feature.canary.value ? "canary" : "stable" }
"""
    files = {"_envcommon/app.hcl": envcommon, "network/terragrunt.hcl": "", "app/terragrunt.hcl": unit}
    expected = {
        "app": {
            "inputs.vpc_id": "vpc-from-unit",
            "inputs.canary": False,
            "inputs.canary_label": "stable",
            "feature.canary.default": False,
            "dependency.network.config_path": "../network",
        }
    }
    return files, expected


def functions_and_hooks() -> Repo:
    unit = """
locals {
  name     = "billing"
  replicas = { dev = 1, prod = 3 }
  env      = basename(dirname(get_terragrunt_dir()))
}
terraform {
  source = "tfr:///terraform-aws-modules/vpc/aws?version=5.1.0"
  extra_arguments "vars" {
    commands  = get_terraform_commands_that_need_vars()
    arguments = ["-lock-timeout=20m"]
  }
  before_hook "fmt" {
    commands = ["plan"]
    execute  = ["terraform", "fmt"]
  }
}
errors {
  retry "net" {
    retryable_errors   = [".*timeout.*"]
    max_attempts       = 3
    sleep_interval_sec = 5
  }
}
inputs = {
  service  = upper(local.name)
  replicas = lookup(local.replicas, local.env, 1)
  labels   = { for k, v in { a = 1, b = 2 } : k => v * 10 }
  joined   = join(",", sort(["c", "a", "b"]))
  cidr     = cidrsubnet("10.0.0.0/16", 8, 2)
}
"""
    files = {"prod/billing/terragrunt.hcl": unit}
    expected = {
        "prod/billing": {
            "inputs.service": "BILLING",
            "inputs.replicas": 3,
            "inputs.labels": {"a": 10, "b": 20},
            "inputs.joined": "a,b,c",
            "inputs.cidr": "10.0.2.0/24",
            "terraform.source": "tfr:///terraform-aws-modules/vpc/aws?version=5.1.0",
            "terraform.extra_arguments.vars.arguments": ["-lock-timeout=20m"],
            "terraform.before_hook.fmt.execute": ["terraform", "fmt"],
            "errors.retry": [
                {"name": "net", "retryable_errors": [".*timeout.*"], "max_attempts": 3, "sleep_interval_sec": 5}
            ],
        }
    }
    return files, expected


REPOS = {
    "infra-live": infra_live,
    "dependency-chain": dependency_chain,
    "generate-variety": generate_variety,
    "remote-state-variants": remote_state_variants,
    "common-files": common_files,
    "json-configs": json_configs,
    "shared-dependency-in-parent": shared_dependency_in_parent,
    "functions-and-hooks": functions_and_hooks,
}


def lookup(rendered: Any, dotted: str) -> Any:
    """The value at ``dotted`` (keys separated by dots) in a rendered module; KeyError if absent."""
    value = rendered
    for key in dotted.split("."):
        value = value[key]
    return value


__all__ = ["REPOS", "lookup"]
