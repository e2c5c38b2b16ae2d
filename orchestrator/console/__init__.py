"""What a person sees while and after tgo runs: the live board, the progress modes (tty, plain,
json, quiet), GitHub Actions integration and the Markdown summaries. Pure renderers apart from
:mod:`orchestrator.console.live` (writes to a terminal) and :mod:`orchestrator.console.github`
(appends to the files GitHub Actions names)."""
