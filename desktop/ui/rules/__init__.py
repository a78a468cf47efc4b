"""Feeds › Rules…: the rules that mark read on a schedule, and the editor of one."""
