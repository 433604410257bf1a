"""The command-line interface: parse, call one service function, render."""
