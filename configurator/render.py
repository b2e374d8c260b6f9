"""Command text: the seed's layout, every substituted value shell-quoted.

    ENV=1 OTHER=0 \\
    program words \\
      --flag value \\
      --last-flag
"""

import shlex

from . import conditions
from .spec import HOME_WORD, template_refs


def _fill(template, spec, values):
    """Substitute placeholders; None if one has no value (hidden option, unset field)."""
    out = []
    for literal, ref, _, _ in template_refs(template):
        out.append(literal)
        if ref is None:
            continue
        if ref == "model":
            value = spec.model
        else:
            option, _, fact = ref.partition(".")
            value = values.get(option)
            if value is not None and fact:
                value = spec.by_id[option].item(value).facts.get(fact)
        if value is None:
            return None
        out.append(str(value).lower() if isinstance(value, bool) else str(value))
    return "".join(out)


def quote(value):
    # An author's literal `~/…` stays unquoted so that the shell expands it, as published.
    return value if HOME_WORD.match(value) else shlex.quote(value)


def render_command(spec, lookup, values, command=None):
    """(command text, argv as the shell will see it, explanations of the rules present).

    `command` is (program alternatives, program, rules): an output's; the spec's by default.
    """
    programs, program, rules = command or (spec.programs, spec.program, spec.rules)
    program = next((words for when, words in programs if conditions.holds(when, lookup)), program)
    env, args, argv_env, argv_args, explanations = [], [], [], [], []
    for rule in rules:
        if rule.when is not None and not conditions.holds(rule.when, lookup):
            continue
        value = _fill(rule.value, spec, values) if rule.value is not None else None
        if rule.value is not None and value is None:
            continue  # the rule needs a value the reader has not given
        if rule.kind == "env":
            words = [f"{rule.name}={shlex.quote(value)}"]
            env += words
            argv_env.append(f"{rule.name}={value}")
        else:
            words = [w for w in (rule.name, None if value is None else quote(value)) if w is not None]
            args.append(words)
            argv_args += [w for w in (rule.name, value) if w is not None]
        if rule.why:
            explanations.append({"code": " ".join(words), "text": rule.why})
    lines = ([" ".join(env)] if env else []) + [" ".join(program)]
    lines += ["  " + " ".join(words) for words in args]
    return " \\\n".join(lines), argv_env + list(program) + argv_args, explanations
