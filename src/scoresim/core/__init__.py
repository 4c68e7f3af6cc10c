"""Helpers that import nothing of scoresim: errors, compiled-kernel flavours, counter-based
random numbers, reusable buffers and the terminal progress bar.

Every other package may use these; they use none of it.
"""
