"""The command-line interface: parse, call one service function, render."""

# A delivery layer exports no names: the console script is certyard.cli.main:run.
__all__: list[str] = []
