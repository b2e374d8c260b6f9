"""mkdocs-macros entry point (placeholder; the configurator macro is being written)."""


def define_env(env):
    @env.macro
    def configurator(name):
        return f"<!-- configurator {name} -->"
