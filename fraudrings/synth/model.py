"""Plain records the generator works with (kept small: 200,000 persons live in memory)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import TypeVar

DAY = 86400
HOUR = 3600
T = TypeVar("T")


def ri(rng: random.Random, a: int, b: int) -> int:
    """Uniform integer in [a, b] (faster than randint)."""
    return a + int(rng.random() * (b - a + 1))


def ch(rng: random.Random, seq: Sequence[T]) -> T:
    """Uniform element of a non-empty sequence (faster than choice)."""
    return seq[int(rng.random() * len(seq))]


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 12742.0 * math.asin(math.sqrt(h))


class Scrambler:
    """Unique, random-looking numeric ids: an affine bijection of a counter modulo 10**digits."""

    def __init__(self, rng: random.Random, digits: int, prefix: str = "") -> None:
        self.m = 10**digits
        a = rng.randrange(self.m // 10, self.m) | 1
        while a % 5 == 0:
            a += 2
        self.a = a
        self.b = rng.randrange(self.m)
        self.n = 0
        self.digits = digits
        self.prefix = prefix

    def next(self) -> str:
        self.n += 1
        return self.prefix + str((self.a * self.n + self.b) % self.m).zfill(self.digits)


class Permuter:
    """Unique, random-looking numbers below 10**digits with no arithmetic structure.

    A keyed 4-round Feistel permutation over 2**bits, cycle-walked into the range, applied
    to a counter: unlike an affine map, the order in which codes were issued cannot be
    recovered from the codes."""

    def __init__(self, rng: random.Random, digits: int) -> None:
        self.m = 10**digits
        bits = self.m.bit_length()
        bits += bits % 2
        self.half = bits // 2
        self.mask = (1 << self.half) - 1
        self.keys = [(rng.getrandbits(61) | 1, rng.getrandbits(61)) for _ in range(4)]
        self.n = 0
        self.digits = digits

    def _perm(self, v: int) -> int:
        h, mask = self.half, self.mask
        left, right = v >> h, v & mask
        for k1, k2 in self.keys:
            f = ((right * k1 + k2) >> 17) ^ (right * 0x9E3779B1)
            left, right = right, (left ^ f) & mask
        return (left << h) | right

    def next(self) -> str:
        self.n += 1
        v = self.n
        while True:
            v = self._perm(v)
            if v < self.m:
                return str(v).zfill(self.digits)


class Person:
    __slots__ = (
        "addr",
        "age",
        "brdy",
        "certno",
        "chronic",
        "city",
        "conditions",
        "death_date",
        "death_day",
        "fav_hosp",
        "fav_pharm",
        "flags",
        "gend",
        "ghost",
        "household",
        "idx",
        "insutype",
        "name",
        "planned",
        "psn_no",
        "tel",
    )

    def __init__(self) -> None:
        self.idx = 0
        self.psn_no = ""
        self.name = ""
        self.gend = "1"
        self.age = 0
        self.brdy = ""
        self.certno = ""
        self.tel = ""
        self.addr = ""
        self.insutype = "390"
        self.city = 0
        self.flags: list[str] = []
        self.death_day: int | None = None
        self.death_date = ""
        self.ghost = False
        self.household = 0
        self.fav_hosp = 0
        self.fav_pharm = 0
        self.conditions: list[str] = []
        # (drug item, hospital, [doctor prac indices]) for chronic_special patients
        self.chronic: tuple[int, int, list[int]] | None = None
        self.planned: list[Visit] = []


class Institution:
    __slots__ = (
        "admdvs",
        "chain",
        "city",
        "code",
        "doctors",
        "idx",
        "lat",
        "lon",
        "lv",
        "name",
        "online",
        "ownership",
        "pharmacists",
        "suppliers",
        "terminals",
        "type",
        "weight",
    )

    def __init__(self) -> None:
        self.idx = 0
        self.code = ""
        self.name = ""
        self.type = 1  # 1 hospital, 2 pharmacy
        self.lv = 0
        self.ownership = "public"
        self.city = 0
        self.admdvs = ""
        self.lat = 0.0
        self.lon = 0.0
        self.chain = ""
        self.online = 0
        self.weight = 1.0
        self.doctors: list[int] = []
        self.pharmacists: list[int] = []
        self.terminals: list[str] = []
        self.suppliers: list[int] = []


class Box:
    """One drug box with its supply history up to its first sale."""

    __slots__ = ("code", "hub", "inst", "item", "lot", "supplier", "t_purchase", "t_transfer")

    def __init__(
        self,
        code: str,
        item: int,
        lot: str,
        supplier: int,
        inst: int,
        t_purchase: int,
        hub: int = -1,
        t_transfer: int = 0,
    ) -> None:
        self.code = code
        self.item = item
        self.lot = lot
        self.supplier = supplier
        self.inst = inst
        self.t_purchase = t_purchase
        self.hub = hub
        self.t_transfer = t_transfer


# Line recording modes of a drug line.
UNSCANNED, BOTH, FEE_ONLY, TRACE_ONLY = 0, 1, 2, 3


class Line:
    __slots__ = ("boxes", "cnt", "dr", "item", "launder", "mode", "prd", "pre", "resale", "rx")

    def __init__(
        self,
        item: int,
        cnt: int,
        dr: int = -1,
        rx: bool = False,
        prd: int = 0,
        mode: int = UNSCANNED,
        boxes: list[Box] | None = None,
        resale: bool = False,
        launder: tuple[int, int] | None = None,
    ) -> None:
        self.item = item
        self.cnt = cnt
        self.dr = dr  # practitioner index, -1 = the visit's practitioner
        self.rx = rx
        self.prd = prd
        self.mode = mode
        self.boxes = boxes  # None on a scanned line = new boxes made when written
        self.resale = resale  # boxes already sold once; write no purchase history
        self.launder = launder  # (supplier index, time): a purchase record before the resale
        # further box events written before this line's sale, per box:
        # (event_type, time, from_code, to_code)
        self.pre: list[tuple[str, int, str, str]] | None = None


class Visit:
    __slots__ = (
        "cert",
        "dise",
        "dr",
        "inst",
        "lines",
        "med_type",
        "refund_after",
        "return_boxes",
        "setl_at",
        "t",
        "t_end",
        "term",
    )

    def __init__(
        self,
        inst: int,
        med_type: str,
        t: int,
        t_end: int,
        lines: list[Line],
        dr: int,
        dise: str,
        refund_after: int = 0,
        return_boxes: bool = True,
    ) -> None:
        self.inst = inst
        self.med_type = med_type
        self.t = t
        self.t_end = t_end
        self.lines = lines
        self.dr = dr
        self.dise = dise
        self.refund_after = refund_after  # >0: refunded this many seconds after settlement
        self.return_boxes = return_boxes
        self.setl_at = 0  # >0: settlement time (else a little after t_end)
        self.cert = ""  # mdtrt_cert_type ("" = drawn when written)
        self.term = ""  # terminal_id ("" = drawn when written)
