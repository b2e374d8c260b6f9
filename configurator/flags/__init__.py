"""The flag checker: launch commands against what an engine release's own parser accepts.

Knows nothing of specs. `commands` answers the page and the command line
(`python -m configurator.flags.commands`); `releases` checks one command against every covered
release; `checker` holds one release's `Checker`; `argparse_rules` applies argparse's rules to one
command; `shell_text` splits pasted text into commands; `fix` offers a certain correction;
`release_data` stores engine data as a base release plus deltas (`engine_data/`).
"""
