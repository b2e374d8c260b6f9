"""Command text: by default the seed's layout, every substituted value shell-quoted.

    ENV=1 OTHER=0 \\
    program words \\
      --flag value \\
      --last-flag

A spec's `command.layout` can put the environment on the program's line and change the
indent; a rule with `same-line` continues the line above it, and an environment variable
with `new-line` starts a new line of the environment block (`A=1 \\` / `B=2 \\` / `program`).
"""

import shlex

from . import conditions
from .placeholders import split_home, split_var, template_refs


def _word(template, spec, lookup):
    """(shell text, argv word) for a template, or None if a placeholder has no value."""
    home, rest = split_home(template)
    rest, var = split_var(rest)
    value = _fill(rest, spec, lookup)
    if value is None:
        return None
    # An author's leading ~/ and trailing $NAME stay unquoted so the shell expands them; the
    # rest is quoted as one word.
    quoted = shlex.quote(value) if value or not (home or var) else ""
    return home + quoted + var, home + value + var


def _fill(template, spec, lookup):
    """Substitute placeholders; None if one has no value (hidden option, unset field, missing cell)."""
    out = []
    for literal, ref, _, _ in template_refs(template):
        out.append(literal)
        if ref is None:
            continue
        value = fill_ref(ref, spec, lookup)
        if value is None:
            return None
        out.append(value)
    return "".join(out)


_refs: dict = {}  # "option.fact" → its conditions.Ref, made once (a build fills hundreds of thousands)


def fill_ref(ref, spec, lookup):
    """One placeholder's text ('{ref}' filled), or None if it has no value."""
    if ref == "model":
        value = spec.model
    else:
        parsed = _refs.get(ref)
        if parsed is None:
            option, _, fact = ref.partition(".")
            parsed = _refs[ref] = conditions.Ref(option, fact or None)
        value = lookup(parsed)
    if value is None:
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def active_rules(spec, lookup, command=None):
    """What render_command reads of the conditions: (which program, by index into the command's
    `programs`, or None for its default; the indices of the rules whose `when` holds)."""
    programs, rules = (command.programs, command.rules) if command else (spec.programs, spec.rules)
    program = next((i for i, (when, _) in enumerate(programs) if conditions.holds(when, lookup)), None)
    return program, tuple(i for i, rule in enumerate(rules)
                          if rule.when is None or conditions.holds(rule.when, lookup))


def render_command(spec, lookup, command=None, fill=None, active=None):
    """(command text, argv as the shell will see it, explanations of the rules present).

    `command` is a command output's spec.Command, the spec's own command by default. `fill`
    reads placeholders (derived values as shown); conditions read `lookup`. `active`: what
    active_rules() gives for this state, if the caller has it (parts.Run keeps it per state).
    """
    fill = fill or lookup
    programs, program, rules, layout = (
        (command.programs, command.program, command.rules, command.layout) if command
        else (spec.programs, spec.program, spec.rules, spec.layout))
    chosen, present = active_rules(spec, lookup, command) if active is None else active
    if chosen is not None:
        program = programs[chosen][1]
    env, argv_env, argv_args, explanations = [[]], [], [], []  # env: its lines
    program = [_word(w, spec, fill) for w in program]  # always filled: checked at load
    lines = [[text for text, _ in program]]  # lines[0] is the program's line
    for rule in map(rules.__getitem__, present):
        value = _word(rule.value, spec, fill) if rule.value is not None else None
        if rule.value is not None and value is None:
            continue  # the rule needs a value the reader has not given
        if rule.kind == "env":
            words = [f"{rule.name}={value[0]}"]
            if rule.new_line and env[-1]:
                env.append([])  # own-line layout: this variable starts the block's next line
            env[-1] += words
            argv_env.append(f"{rule.name}={value[1]}")
        else:
            words = [w for w in (rule.name, None if value is None else value[0]) if w is not None]
            if rule.same_line:
                lines[-1] += words  # the line above: the program's, if no argument came before
            else:
                lines.append(words)
            argv_args += [w for w in (rule.name, None if value is None else value[1]) if w is not None]
        if rule.why:
            explanations.append({"code": " ".join(words), "text": rule.why})
    env = [line for line in env if line]
    if env and layout.env == "program-line":
        lines[0] = [w for line in env for w in line] + lines[0]
    indent = " " * layout.indent
    text = [" ".join(line) for line in env] if layout.env == "own-line" else []
    text += [" ".join(lines[0])] + [indent + " ".join(words) for words in lines[1:]]
    return " \\\n".join(text), argv_env + [argv for _, argv in program] + argv_args, explanations
