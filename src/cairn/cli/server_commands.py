"""``cairn server``, ``admin``, ``login``/``logout``, ``token`` and ``webhook`` commands.

The server itself is started by import string (``cairn.server.app:create_app``) so the CLI never
imports :mod:`cairn.server`; its configuration travels in environment variables read by
:mod:`cairn.settings`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cairn.cli.main import open_registry_from
from cairn.cli.output import console, err_console, print_json, print_table, when
from cairn.errors import InvalidInput

if TYPE_CHECKING:
    from cairn.governance.accounts import Accounts
    from cairn.remote import RemoteRegistry

__all__ = ["register"]

admin_app = typer.Typer(help="Users and roles, on the server's registry (run where it runs).")
token_app = typer.Typer(help="Personal access tokens on a cairn server.", no_args_is_help=True)
webhook_app = typer.Typer(help="Webhooks on a cairn server (admins).", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def server(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    registry: Annotated[
        str | None,
        typer.Option("--registry", help="Registry to serve: a folder or a database URL."),
    ] = None,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="No authentication: for local demos ONLY.")
    ] = False,
    cors: Annotated[
        list[str] | None, typer.Option("--cors", help="Allow this origin (CORS is off by default).")
    ] = None,
) -> None:
    """Run the registry server (REST API at /api/v1, OpenAPI at /docs)."""
    import uvicorn

    from cairn.cli.main import State

    state: State = ctx.ensure_object(State)
    target = registry or state.registry_uri
    if target:
        if target.startswith(("http://", "https://")):
            raise InvalidInput("a server serves a folder or a database, not another server")
        os.environ["CAIRN_SERVER_REGISTRY"] = target
    os.environ["CAIRN_AUTH"] = "off" if no_auth else "on"
    os.environ.setdefault("CAIRN_LOG_FORMAT", "json")
    if cors:
        os.environ["CAIRN_CORS_ORIGINS"] = ",".join(cors)
    if no_auth:
        err_console.print(
            "[bold red]WARNING: --no-auth: AUTHENTICATION IS OFF. Anyone who can reach "
            f"{host}:{port} can read, change and delete every model as an admin.[/]"
        )
    else:
        accounts = _accounts(ctx)
        if not accounts.has_admin():
            err_console.print(
                "[yellow]no admin exists yet: create one with "
                "cairn admin create-user NAME --role admin[/]"
            )
    uvicorn.run(
        "cairn.server.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=1,
        access_log=False,
        log_config=None,
        timeout_keep_alive=30,
        timeout_graceful_shutdown=5,
    )


# -- admin (local: opens the registry the server serves) -----------------------------------------


def _accounts(ctx: typer.Context) -> Accounts:
    from cairn import settings
    from cairn.governance.accounts import Accounts
    from cairn.governance.tokens import server_secret

    reg = open_registry_from(ctx)
    if not hasattr(reg, "catalog"):
        raise InvalidInput(
            "cairn admin works on the server's own registry, not over HTTP",
            "run it where the server runs, with --registry FOLDER_OR_DB_URL",
        )
    current = settings.load()
    return Accounts(reg.catalog.engine, server_secret(current.server_secret, current.home))


def _password(confirm: bool = True) -> str:
    from_env = os.environ.get("CAIRN_ADMIN_PASSWORD")
    if from_env:
        return from_env
    value: str = typer.prompt("password", hide_input=True, confirmation_prompt=confirm)
    return value


@admin_app.command("create-user")
def create_user(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[
        str | None,
        typer.Option(help="admin, or a role on --model: viewer, user, contributor, maintainer."),
    ] = None,
    model: Annotated[str, typer.Option(help="Model the role applies to ('*': all).")] = "*",
    no_password: Annotated[
        bool, typer.Option("--no-password", help="Tokens only (created by an admin).")
    ] = False,
) -> None:
    """Create a user; the password comes from a prompt or CAIRN_ADMIN_PASSWORD (no default)."""
    from cairn.governance.roles import parse_role

    accounts = _accounts(ctx)
    admin = role == "admin"
    password = None if no_password else _password()
    info = accounts.create_user(name, password, admin=admin)
    if role and not admin:
        accounts.grant(name, model, parse_role(role))
    console.print(f"created user {info.name}" + (" (admin)" if admin else ""))


@admin_app.command("grant")
def grant(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Argument(help="viewer, user, contributor or maintainer.")],
    model: Annotated[str, typer.Option(help="Model ('*': every model).")] = "*",
) -> None:
    """Give a user a role on a model."""
    from cairn.governance.roles import parse_role

    _accounts(ctx).grant(name, model, parse_role(role))
    console.print(f"{name} is {role} on {model}")


@admin_app.command("users")
def users(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """List users and their roles."""
    found = _accounts(ctx).list_users()
    if json_out:
        print_json([u.model_dump(mode="json") for u in found])
        return
    rows = [
        (u.name, "yes" if u.admin else "", ", ".join(f"{m}:{r}" for m, r in u.roles.items()))
        for u in found
    ]
    print_table(["user", "admin", "roles"], rows)


@admin_app.command("create-token")
def admin_token(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name.")],
    scope: Annotated[list[str] | None, typer.Option(help="read, write, admin.")] = None,
    days: Annotated[float, typer.Option(help="Days until it expires.")] = 90.0,
) -> None:
    """Create a token for a user (printed once; cairn keeps only a keyed hash)."""
    token, info = _accounts(ctx).create_token(
        name, label="admin-issued", scopes=scope or ["read", "write"], days=days
    )
    err_console.print(f"token {info.id} for {name}, expires {when(info.expires)}; shown once:")
    typer.echo(token)


# -- login and tokens (remote) ---------------------------------------------------------------------


def _remote(ctx: typer.Context) -> RemoteRegistry:
    from cairn.remote import RemoteRegistry

    reg = open_registry_from(ctx)
    if not isinstance(reg, RemoteRegistry):
        raise InvalidInput(
            "this command talks to a cairn server", "pass --registry http://HOST:PORT"
        )
    return reg


def login(
    ctx: typer.Context,
    url: Annotated[str | None, typer.Argument(help="Server URL (default: --registry).")] = None,
    user: Annotated[str | None, typer.Option("--user", "-u", help="User name.")] = None,
    days: Annotated[float | None, typer.Option(help="Days until the token expires.")] = None,
) -> None:
    """Sign in to a server and keep a token for the CLI (in $CAIRN_HOME/credentials.json, 0600)."""
    import getpass

    from cairn import settings
    from cairn.cli.main import State
    from cairn.remote.credentials import save_token
    from cairn.remote.http import Session

    target = url or ctx.ensure_object(State).registry_uri
    if not target or not target.startswith(("http://", "https://")):
        raise InvalidInput("cairn login needs a server URL", "cairn login http://HOST:PORT")
    name = user or settings.load().user or getpass.getuser()
    password = os.environ.get("CAIRN_PASSWORD") or typer.prompt("password", hide_input=True)
    session = Session(target, token=None)
    try:
        body: dict[str, Any] = {"username": name, "password": password, "label": "cairn login"}
        if days is not None:
            body["days"] = days
        answer = session.json("POST", "/api/v1/login", json=body)
    finally:
        session.close()
    path = save_token(settings.load().home, target, answer["token"])
    console.print(f"logged in to {target} as {name}; token saved in {path}")


def logout(
    ctx: typer.Context,
    url: Annotated[str | None, typer.Argument(help="Server URL (default: --registry).")] = None,
) -> None:
    """Forget the token saved for a server."""
    from cairn import settings
    from cairn.cli.main import State
    from cairn.remote.credentials import forget_token

    target = url or ctx.ensure_object(State).registry_uri or ""
    found = forget_token(settings.load().home, target)
    console.print("logged out" if found else f"no token saved for {target}")


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    label: Annotated[str, typer.Option(help="What the token is for.")] = "token",
    scope: Annotated[list[str] | None, typer.Option(help="read, write, admin.")] = None,
    days: Annotated[float | None, typer.Option(help="Days until it expires.")] = None,
) -> None:
    """Create a token (printed once)."""
    body = {"label": label, "scopes": scope or ["read", "write"], "days": days}
    answer = _remote(ctx).session.json("POST", "/api/v1/tokens", json=body)
    err_console.print(f"token {answer['info']['id']}, shown once:")
    typer.echo(answer["token"])


@token_app.command("list")
def token_list(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Your tokens (never the tokens themselves)."""
    found = _remote(ctx).session.json("GET", "/api/v1/tokens")
    if json_out:
        print_json(found)
        return
    rows = [
        (t["id"], t["name"], f"…{t['hint']}", " ".join(t["scopes"]), t["expires"], t["revoked"])
        for t in found
    ]
    print_table(["id", "label", "ends", "scopes", "expires", "revoked"], rows)


@token_app.command("revoke")
def token_revoke(ctx: typer.Context, token_id: Annotated[int, typer.Argument()]) -> None:
    """Revoke a token: it stops working at once."""
    _remote(ctx).session.json("DELETE", f"/api/v1/tokens/{token_id}")
    console.print(f"revoked token {token_id}")


# -- webhooks (remote) ----------------------------------------------------------------------


@webhook_app.command("add")
def webhook_add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="Where to POST events.")],
    event: Annotated[list[str] | None, typer.Option(help="Filter, e.g. alias.* (repeat).")] = None,
    model: Annotated[str | None, typer.Option(help="Only events of this model.")] = None,
) -> None:
    """Subscribe a URL to events; prints the signing secret once."""
    body = {"url": url, "actions": event or [], "model": model}
    answer = _remote(ctx).session.json("POST", "/api/v1/webhooks", json=body)
    err_console.print(f"webhook {answer['webhook']['id']}; signing secret, shown once:")
    typer.echo(answer["secret"])


@webhook_app.command("list")
def webhook_list(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Webhooks and how far each has delivered."""
    found = _remote(ctx).session.json("GET", "/api/v1/webhooks")
    if json_out:
        print_json(found)
        return
    rows = [
        (h["id"], h["url"], " ".join(h["actions"]) or "*", h["model"] or "*", h["cursor"])
        for h in found
    ]
    print_table(["id", "url", "events", "model", "delivered up to"], rows)


@webhook_app.command("deliveries")
def webhook_deliveries(
    ctx: typer.Context, hook_id: Annotated[int, typer.Argument()], json_out: JsonOpt = False
) -> None:
    """The delivery log of a webhook, newest first."""
    found = _remote(ctx).session.json("GET", f"/api/v1/webhooks/{hook_id}/deliveries")
    if json_out:
        print_json(found)
        return
    rows = [
        (
            d["time"],
            d["event_seq"],
            d["attempt"],
            "ok" if d["ok"] else "failed",
            d["status"],
            d["error"] or "",
        )
        for d in found
    ]
    print_table(["time", "event", "attempt", "result", "status", "error"], rows)


@webhook_app.command("replay")
def webhook_replay(
    ctx: typer.Context,
    hook_id: Annotated[int, typer.Argument()],
    from_seq: Annotated[int, typer.Option("--from", help="First event seq to deliver again.")],
) -> None:
    """Deliver every matching event from --from on again."""
    _remote(ctx).session.json(
        "POST", f"/api/v1/webhooks/{hook_id}/replay", json={"from_seq": from_seq}
    )
    console.print(f"webhook {hook_id} will deliver again from event {from_seq}")


@webhook_app.command("rm")
def webhook_rm(ctx: typer.Context, hook_id: Annotated[int, typer.Argument()]) -> None:
    """Remove a webhook and its delivery log."""
    _remote(ctx).session.request("DELETE", f"/api/v1/webhooks/{hook_id}")
    console.print(f"removed webhook {hook_id}")


def register(app: typer.Typer) -> None:
    app.command("server")(server)
    app.command("login")(login)
    app.command("logout")(logout)
    app.add_typer(admin_app, name="admin")
    app.add_typer(token_app, name="token")
    app.add_typer(webhook_app, name="webhook")
