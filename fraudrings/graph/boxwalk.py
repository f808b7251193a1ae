"""The walk of one drug box's events: resales and laundering purchases.

A box is sold to a patient once in its life. Walking its events in time order, the box
is *out* once sold and *in* again only through a ``return``. While it is out:

* a second ``sale`` is a **resale**: the outlet that sells it again is a recycler. The
  walk gives both persons who held the box before: its first buyer (``origin``), who let
  it go into the chain, and its previous holder (``first``), the buyer of the sale just
  before this one (the same person for the first resale). A lead names the first buyer
  as the seller: a later buyer bought a box the chain already held, and a code settled
  again and again is often scanned by the outlet without the box ever leaving it. A
  referral lists the previous holder of each resale as well, as a person to question;
* a ``purchase`` from a supplier is **laundering**: the supplier books the box back into
  an outlet's stock, after the sale whose buyer let it go.

A return followed by a sale is legitimate and is left alone; a transfer between outlets
is neither. Detection (``graph/detect/recycled.py``) and referral
(``referral/rules.py``) both walk boxes here, each with its own event record: the walk
reads an event's type and its sender's kind through ``view``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

E = TypeVar("E")

# event -> (event type, kind of the party it comes from)
View = Callable[[E], tuple[str, str | None]]


@dataclass(frozen=True)
class Resale(Generic[E]):
    code: str
    origin: E  # the sale that took the box out, to its first buyer
    first: E  # the sale just before this one: its buyer sold the box back
    second: E  # the sale again, with no return between

    @property
    def first_in_chain(self) -> bool:
        """The first resale since the box went out (``first`` is the origin sale)."""
        return self.first is self.origin


@dataclass(frozen=True)
class Laundering(Generic[E]):
    code: str
    event: E  # a supplier's purchase of a box that was out
    after: E  # the latest sale it followed
    origin: E  # the sale that took the box out, to its first buyer


def walk(
    code: str, events: Iterable[E], view: View[E]
) -> tuple[list[Resale[E]], list[Laundering[E]]]:
    """Resales and launderings in one box's events, given in time order."""
    resales: list[Resale[E]] = []
    launders: list[Laundering[E]] = []
    origin: E | None = None  # the sale that took the box out; None while it is in
    last: E | None = None  # the latest sale while it is out
    for ev in events:
        kind, from_kind = view(ev)
        if kind == "sale":
            if origin is not None and last is not None:
                resales.append(Resale(code, origin, last, ev))
            else:
                origin = ev
            last = ev
        elif kind == "return":
            origin = last = None
        elif (
            kind == "purchase"
            and origin is not None
            and last is not None
            and from_kind == "supplier"
        ):
            launders.append(Laundering(code, ev, last, origin))
    return resales, launders
