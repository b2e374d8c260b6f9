"""The flag checker: launch commands against what an engine release's own parser accepts.

Knows nothing of specs. `commands` checks pasted text (and is the command line:
`python -m configurator.flags.commands`); `argparse_rules` applies argparse's rules to one
command; `shell_text` splits pasted text into commands; `fix` offers a certain correction;
`release_data` stores engine data as a base release plus deltas (`engine_data/`); `releases`
checks one command against every covered release.
"""
