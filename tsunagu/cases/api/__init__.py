"""The cases API (/api/v1/), by sub-domain: 相談者 (``persons``), 同意 (``consents``), 相談受付
(``intake``), ケース and its state (``cases``), the support process (``process``). The same services
and scoping as the screens; ``router`` gathers them for ``tsunagu.api``."""

from ninja import Router

from . import cases, consents, intake, persons, process

router = Router()
for _room in (persons, consents, intake, cases, process):
    router.add_router("", _room.router)

__all__ = ["router"]
