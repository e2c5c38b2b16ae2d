import sys

if sys.argv[1:2] == ["credential-helper"]:
    # Started by every terraform process and provider plugin: skip the CLI's imports.
    from orchestrator.aws.credential_helper import main as helper_main

    sys.exit(helper_main(sys.argv[2:]))

from orchestrator.cli import main

main()
