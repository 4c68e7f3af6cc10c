"""The words and colours every view uses: the glossary of metrics and effects, the registry of
systems (what each preset is, and its colour) and the palette.
"""
