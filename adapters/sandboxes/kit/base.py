"""The sandbox base: wraps a vendor's route handlers with its limits, faults and control routes.

Faults, latency and limits apply only to the vendor's routes (under its prefix). The control
routes under ``/_sandbox/`` are for tests and demos: never faulted, no vendor auth.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from litestar import Litestar, Request, Response, Router, get, post, put
from litestar.datastructures import State
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import JSONBody
from litestar.types import (
    ASGIApp,
    ControllerRouterHandler,
    Message,
    Receive,
    Scope,
    Send,
)

from adapters.sandboxes.kit.asgi import Truncating, dropping, hang, send_html, send_json
from adapters.sandboxes.kit.faults import Fault, Faults
from adapters.sandboxes.kit.traffic import SandboxLimits, Traffic

__all__ = [
    "Fault",
    "Faults",
    "SandboxLimits",
    "SandboxRuntime",
    "SandboxState",
    "VendorProfile",
    "build_sandbox_app",
]


class SandboxState(Protocol):
    """A vendor sandbox's in-memory records; the snapshot is what ``GET /_sandbox/state`` adds."""

    def snapshot(self) -> dict[str, Any]: ...

    def reset(self) -> None: ...


@dataclass(frozen=True)
class VendorProfile:
    """What differs between vendors: where their routes live, their limits, their error shape.

    ``error_body`` wraps messages in the vendor's error envelope. ``endpoint_of`` maps a request
    path to the scope of the vendor's per-endpoint limits; None leaves a route unlimited and
    unfaulted (e.g. a global look-up host in front of the API).
    """

    prefix: str
    limits: SandboxLimits
    endpoint_of: Callable[[str], str | None]
    error_body: Callable[[Sequence[str]], bytes]


class SandboxRuntime:
    """The knobs and traffic of one sandbox; faults can be replaced while it runs."""

    def __init__(self, profile: VendorProfile, state: SandboxState, faults: Faults) -> None:
        self.profile = profile
        self.state = state
        self.traffic = Traffic(profile.limits)
        self._lock = threading.Lock()
        self.replace_faults(faults)

    @property
    def faults(self) -> Faults:
        return self._faults

    def replace_faults(self, faults: Faults) -> None:
        with self._lock:
            self._faults = faults
            self._rng = faults.rng()

    def draw(self) -> tuple[Faults, Fault | None]:
        with self._lock:
            return self._faults, self._faults.draw(self._rng)

    def pick(self, *choices: int) -> int:
        with self._lock:
            return self._rng.choice(choices)

    def reset(self) -> None:
        self.state.reset()
        self.traffic.reset()

    def snapshot(self) -> dict[str, Any]:
        return {**self.state.snapshot(), **self.traffic.snapshot(), "faults": self.faults.as_json()}


async def precise_sleep(seconds: float) -> None:
    """Sleep ``seconds`` to within a fraction of a millisecond.

    An event loop's timers overshoot by a millisecond or two, which on a 20 ms latency knob
    would be a 10% lie: sleep short of the deadline, then yield until it.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    if seconds > _TIMER_SLACK:
        await asyncio.sleep(seconds - _TIMER_SLACK)
    while loop.time() < deadline:  # noqa: ASYNC110 - a spin to the deadline, on purpose
        await asyncio.sleep(0)


_TIMER_SLACK = 0.003


class SandboxMiddleware:
    """Applies the vendor's limits, then latency and one drawn fault, to each vendor call."""

    def __init__(self, app: ASGIApp, runtime: SandboxRuntime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.runtime.profile.endpoint_of(scope["path"])
        if scope["type"] != ScopeType.HTTP or endpoint is None:
            await self.app(scope, receive, send)
            return
        wait = self.runtime.traffic.admit(endpoint)
        if wait is not None:
            message = f"Request refused: the API limit for {endpoint} is exceeded"
            await send_json(send, 429, self.runtime.profile.error_body([message]), retry_after=wait)
            return
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self.runtime.traffic.release(endpoint)

        async def releasing(message: Message) -> None:
            # The call ends when its last byte leaves, before the client can send the next one.
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                release()
            await send(message)

        try:
            await self._serve(scope, receive, releasing)
        finally:
            release()

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        faults, fault = self.runtime.draw()
        if faults.latency_ms:
            await precise_sleep(faults.latency_ms / 1000)
        if fault is Fault.RATE_LIMIT:
            body = self.runtime.profile.error_body(["Rate limit exceeded"])
            await send_json(send, 429, body, retry_after=faults.retry_after)
        elif fault is Fault.ERROR:
            await send_html(send, self.runtime.pick(502, 503))
        elif fault is Fault.TIMEOUT:
            replay = await hang(receive, faults.hang_seconds)
            if replay is not None:
                await self.app(scope, replay, send)
        elif fault is Fault.DROP:
            await self.app(scope, receive, dropping(send))
        elif fault is Fault.MALFORMED:
            await self.app(scope, receive, Truncating(send))
        else:
            await self.app(scope, receive, send)


def _control_router(runtime: SandboxRuntime) -> Router:
    @get("/state", sync_to_thread=False)
    def state() -> dict[str, Any]:
        return runtime.snapshot()

    @put("/faults", sync_to_thread=False)
    def faults(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        try:
            runtime.replace_faults(Faults.from_json(data))
        except ValueError as exc:
            raise ValidationException(str(exc)) from exc
        return runtime.faults.as_json()

    @post("/reset", status_code=200, sync_to_thread=False)
    def reset() -> dict[str, Any]:
        runtime.reset()
        return {"reset": True}

    return Router(path="/_sandbox", route_handlers=[state, faults, reset])


def build_sandbox_app(
    profile: VendorProfile,
    state: SandboxState,
    faults: Faults,
    route_handlers: Sequence[ControllerRouterHandler],
) -> Litestar:
    """The vendor's routes under its prefix, wrapped by limits and faults, plus ``/_sandbox/``.

    The runtime is in ``app.state.sandbox`` for in-process use (e.g. ``q2c sandbox``).
    """
    runtime = SandboxRuntime(profile, state, faults)

    def middleware(app: ASGIApp) -> ASGIApp:
        # A closure, not DefineMiddleware(kwargs): Litestar deep-copies routers, and the
        # runtime must stay one shared object.
        return SandboxMiddleware(app, runtime)

    vendor = Router(
        path=profile.prefix, route_handlers=list(route_handlers), middleware=[middleware]
    )

    def http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
        extra = exc.extra
        messages = extra if isinstance(extra, list) and extra else [str(exc.detail)]
        body = profile.error_body([str(message) for message in messages])
        return Response(body, status_code=exc.status_code, media_type="application/json")

    return Litestar(
        route_handlers=[vendor, _control_router(runtime)],
        exception_handlers={HTTPException: http_error},
        openapi_config=None,
        logging_config=None,  # the hub configures logging once; a sandbox must not reset it
        state=State({"sandbox": runtime}),
    )
