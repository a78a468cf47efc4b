"""A statement whose SQL peewee builds once, then run again and again with new values.

On the hot path of a chunk, peewee building a statement cost more than running it (issue 26:
~1 ms of every chunk, the statements themselves 0.04-0.6 ms). So a statement is built once
(per kind of database: the caller's cache decides) from stand-ins for its values — negative
ids, strings starting with a NUL — that no real value has, and each of its parameters
remembers where it comes from: the name of the stand-in it was, or a constant of the statement
(a status, True...). Binding is then a dict lookup per named parameter.
"""

from __future__ import annotations


class BuiltOnce:
    """A statement's SQL, and where each of its parameters comes from (``slots``: per
    parameter, a stand-in's name or (constant,))."""

    __slots__ = ("_constants", "_named", "slots", "sql")

    def __init__(self, sql: str, slots):
        self.sql, self.slots = sql, tuple(slots)
        # what binding copies and fills in: the constants in place, and where each name goes
        self._constants = [None if isinstance(slot, str) else slot[0] for slot in self.slots]
        self._named = tuple((position, slot) for position, slot in enumerate(self.slots)
                            if isinstance(slot, str))

    @classmethod
    def from_query(cls, query, stand_ins: dict) -> BuiltOnce:
        """``query`` (a peewee query built from the stand-ins, {stand-in value: name}) as
        SQL and slots. A bool is never a stand-in: True == 1 would take the place of an id."""
        sql, params = query.sql()
        return cls(sql, [stand_ins[value] if not isinstance(value, bool) and value in stand_ins
                         else (value,) for value in params])

    def params(self, values: dict) -> list:
        """The statement's parameters with ``values`` ({name: value}) in the stand-ins'
        places; the constants as built."""
        params = self._constants.copy()
        for position, name in self._named:
            params[position] = values[name]
        return params
