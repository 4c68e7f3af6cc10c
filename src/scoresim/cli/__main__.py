"""``python -m scoresim.cli``: the ``scoresim`` program."""

from scoresim.cli.entry import program

program()
