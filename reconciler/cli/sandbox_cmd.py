"""``reconciler sandbox``: serve a fake ContactSwing on this machine for demos and tests."""

from __future__ import annotations

import ipaddress
import signal
from pathlib import Path
from types import FrameType

import click

from reconciler.api.defaults import DEFAULT_CREATE_PATH
from reconciler.cli.common import CommonOptions, common_options
from reconciler.errors import ConfigError
from reconciler.sandbox import Fault, FaultInjector, RateLimit, Sandbox, parse_faults
from reconciler.sandbox.server import DEFAULT_STALL_SECONDS, SandboxServer, stderr_log

ALL = ",".join(f.value for f in Fault)


class _Stop(BaseException):
    """Raised by the SIGTERM handler to leave serve_forever.

    A BaseException, like KeyboardInterrupt: socketserver swallows any Exception raised
    while it dispatches a request, so a SIGTERM landing there was lost and the server ran on.
    """


def _faults(ctx: click.Context, param: click.Parameter, value: str) -> tuple[Fault, ...]:
    try:
        return parse_faults(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@click.command()
@click.option("--port", default=8765, show_default=True, help="TCP port; 0 picks a free one.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--latency-ms", default=0, type=click.IntRange(min=0), help="Delay every answer.")
@click.option(
    "--fail-rate",
    default=0.0,
    type=click.FloatRange(0.0, 1.0),
    help="Share of create requests that meet a fault (0 to 1).",
)
@click.option(
    "--faults",
    default=ALL,
    show_default=True,
    callback=_faults,
    help="Fault kinds to draw from: 500, 503, 429 (nothing created), "
    "timeout, reset (created, then the answer is lost).",
)
@click.option("--seed", type=int, default=None, help="Seed for reproducible fault draws.")
@click.option(
    "--token",
    default=None,
    help="Accept only this bearer token (default: any non-empty one). "
    "Env: RECONCILER_SANDBOX_TOKEN.",
)
@click.option(
    "--state-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Keep created campaigns in this JSON file across restarts.",
)
@click.option("--create-path", default=DEFAULT_CREATE_PATH, show_default=True)
@click.option(
    "--stall-seconds",
    default=DEFAULT_STALL_SECONDS,
    show_default=True,
    type=click.FloatRange(min=0.0),
    help="How long an injected timeout holds the connection silent.",
)
@click.option("--retry-after", default=1, show_default=True, type=click.IntRange(min=0))
@click.option(
    "--rate-limit",
    type=click.FloatRange(min=0.0, min_open=True),
    default=None,
    help="Answer 429 with Retry-After to creates above this many per second.",
)
@common_options
def sandbox(
    common: CommonOptions,
    port: int,
    host: str,
    latency_ms: int,
    fail_rate: float,
    faults: tuple[Fault, ...],
    seed: int | None,
    token: str | None,
    state_file: Path | None,
    create_path: str,
    stall_seconds: float,
    retry_after: int,
    rate_limit: float | None,
) -> int:
    """Serve a fake ContactSwing (create endpoint only) until Ctrl-C or SIGTERM.

    Prints its base URL on stdout once it listens; use it as an environment's api_url.
    GET /_sandbox/campaigns lists what it created; DELETE /_sandbox/campaigns clears;
    GET /_sandbox/stats counts the answers by status.
    -q: no access log. The sandbox reads no project: --project and --var are ignored.
    """
    quiet = common.verbosity < 0
    token = token or common.runtime.environ.get("RECONCILER_SANDBOX_TOKEN") or None
    injector = FaultInjector(fail_rate, faults, seed) if fail_rate > 0 else None
    core = Sandbox(
        create_path=create_path,
        token=token,
        faults=injector,
        state_file=state_file,
        retry_after=retry_after,
        rate_limit=RateLimit(rate_limit) if rate_limit else None,
    )
    server = _listen(core, host, port, latency_ms, stall_seconds, quiet)
    _serve(server, core, injector, host)
    return 0


def _serve(server: SandboxServer, core: Sandbox, injector: FaultInjector | None, host: str) -> None:
    """Announce the URL, then serve until Ctrl-C or SIGTERM; the server is closed after."""
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        _announce(server, core, injector, host)
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.close()
    click.echo("sandbox: stopped", err=True)


def _listen(
    core: Sandbox, host: str, port: int, latency_ms: int, stall: float, quiet: bool
) -> SandboxServer:
    try:
        return SandboxServer(
            core,
            host,
            port,
            latency=latency_ms / 1000,
            stall_seconds=stall,
            access_log=None if quiet else stderr_log,
        )
    except OSError as exc:
        raise ConfigError(
            f"the sandbox cannot listen on {host}:{port}: {exc.strerror or exc}",
            hint="choose another --port, or --port 0 for a free one",
        ) from None


def _announce(
    server: SandboxServer, core: Sandbox, injector: FaultInjector | None, host: str
) -> None:
    click.echo(server.url)  # stdout: the URL alone, for scripts
    if not _is_loopback(host):
        click.echo(
            f"sandbox: warning: listening on {host}, reachable from other machines", err=True
        )
    limit = f", at most {core.rate_limit.per_second:g}/s" if core.rate_limit else ""
    faults = (
        f"fail rate {injector.rate:g} over {','.join(k.value for k in injector.kinds)}"
        if injector
        else "no faults"
    )
    click.echo(
        f"sandbox: POST {server.url}{core.create_path} ({faults}{limit}); Ctrl-C stops", err=True
    )
