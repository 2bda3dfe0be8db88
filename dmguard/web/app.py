"""The inbox a small team works in: Flask pages served by waitress, htmx for partial updates.

- **Who**: users log in (``dmguard users add``); a session is server-side (the
  ``sessions`` table) with an absolute expiry, in an HttpOnly, SameSite=Strict cookie
  (``Secure`` and ``__Host-`` when ``web.public_url`` is https or ``web.secure_cookies``).
  Logins are rate limited per user and per address (:mod:`dmguard.users`).
- **Forms**: every POST carries the session's CSRF token (the login form a
  double-submit cookie), and a POST whose ``Origin`` is another site is refused.
- **What**: one row per person with open tasks (:meth:`Tasks.conversations`), a
  person's page with the whole thread, every task, notes and history. Every change
  goes through :mod:`dmguard.actions`; this module holds no flow of its own.
- **Limits**: bodies over 64 KiB are refused (Flask ``MAX_CONTENT_LENGTH``, and
  waitress's ``max_request_body_size``), idle connections close after
  ``channel_timeout``; Jinja autoescapes every page; a strict CSP allows only this
  site's own script and stylesheet.
"""

from __future__ import annotations

import errno
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask, Response, abort, g, redirect, render_template, request
from werkzeug.exceptions import HTTPException

from dmguard import actions, outbox, users
from dmguard.canned import for_person as filled_canned
from dmguard.clock import Clock, parse_duration
from dmguard.config import Config
from dmguard.queue_words import OPTED_OUT, ago_label, due_label, history, holder, snoozed_until
from dmguard.store import VIEWS, Contact, QueueFilter, Store, Task
from dmguard.tasks import TaskError, next_conversation
from dmguard.web.present import page_words

MAX_BODY = 64 * 1024
PAGE_SIZE = 50
LOGIN_COOKIE = "dmguard_login"
ID = "<int(max=9223372036854775807):contact_id>"
STATIC = Path(__file__).with_name("static")
SNOOZES = {"1h": "1 hour", "4h": "4 hours", "1d": "tomorrow, same time", "3d": "3 days",
           "7d": "a week"}
KIND_NAMES = {"reply": "wrote to us", "human": "asked for a person", "vip": "VIP",
              "hold": "held draft", "welcome": "welcome"}


class WebError(Exception):
    pass


def create_app(config: Config, clock: Clock) -> Flask:
    """The inbox as a WSGI app over ``config.store.path``, on ``clock``'s time."""
    app = Flask(__name__, static_folder=str(STATIC), static_url_path="/static")
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY, MAX_FORM_MEMORY_SIZE=MAX_BODY,
                      MAX_FORM_PARTS=100, TEMPLATES_AUTO_RELOAD=False,
                      SEND_FILE_MAX_AGE_DEFAULT=3600)
    app.jinja_env.autoescape = True  # every template, whatever its name
    web = config.web
    secure = web.cookies_secure
    cookie = "__Host-dmguard_session" if secure else "dmguard_session"
    local = threading.local()
    if web.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=web.proxy_hops,  # type: ignore[method-assign]
                                x_proto=web.proxy_hops, x_host=web.proxy_hops)

    def store() -> Store:
        """One store per server thread (a Store belongs to the thread that opened it)."""
        opened: Store | None = getattr(local, "store", None)
        if opened is None:
            opened = Store.open(config.store.path, clock)
            local.store = opened
        return opened

    def set_cookie(response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(name, value, max_age=max_age, path="/", secure=secure,
                            httponly=True, samesite="Strict")

    # --- every request ------------------------------------------------------------

    @app.before_request
    def guard() -> Response | None:
        length = request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            abort(413 if length.isdigit() else 400)
        if request.method == "POST":
            origin = request.headers.get("Origin")
            if origin and origin != "null" and urlsplit(origin).netloc != request.host:
                abort(403, "This form came from another site, so it was refused.")
        g.viewer = None
        g.session = None
        if request.endpoint in ("static", "login", "health"):
            return None
        session = users.live_session(store(), request.cookies.get(cookie))
        user = store().users.get(session.user_id) if session else None
        if session is None or user is None:
            if request.headers.get("HX-Request"):
                response = Response("", 401)
                response.headers["HX-Redirect"] = "/login"
                return response
            if request.method == "POST":
                abort(403, "Your session has ended. Log in again; then redo what you were "
                           "doing.")
            target = request.full_path if request.path != "/" else ""
            return redirect("/login" + (f"?{urlencode({'next': target})}" if target else ""))
        g.session = session
        g.viewer = users.viewer(store(), user)
        if request.method == "POST":
            submitted = request.form.get("csrf") or request.headers.get("X-CSRF-Token")
            if not users.csrf_ok(session, submitted):
                abort(403, "This form is out of date or was not made by this page, so it was "
                           "refused. Reload the page and try again.")
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        if secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        messages = {404: "There is nothing here (or not for your accounts).",
                    413: "That was too large to send (at most 64 KiB).",
                    400: "The request could not be read."}
        description = error.description if error.code == 403 else None
        message = description or messages.get(error.code or 500, error.name)
        return render_template("error.html", message=message, viewer=g.get("viewer"),
                               csrf=_csrf()), error.code or 500

    def _csrf() -> str:
        session = g.get("session")
        return session.csrf if session else ""

    @app.context_processor
    def values() -> dict[str, Any]:
        return {"viewer": g.get("viewer"), "csrf": _csrf(), "kind_names": KIND_NAMES}

    def notice(text: str) -> None:
        store().sessions.set_notice(g.session.id, text)

    # --- login --------------------------------------------------------------------

    @app.get("/healthz")
    def health() -> str:
        return "ok"

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Response | tuple[str, int] | str:
        token = request.cookies.get(LOGIN_COOKIE)
        error = None
        status = 200
        retry_after: int | None = None
        next_url = request.values.get("next", "")
        if not next_url.startswith("/") or next_url.startswith("//"):
            next_url = "/"
        if request.method == "POST":
            if not token or not secrets.compare_digest(token, request.form.get("csrf", "")):
                abort(403, "This login form is out of date. Reload the page and try again.")
            try:
                user = users.authenticate(store(), web, request.form.get("name", ""),
                                          request.form.get("password", ""), request.remote_addr)
            except users.TooManyLogins as problem:  # rate limited: 429, and when to retry
                error, status = str(problem), 429
                retry_after = problem.wait
            except users.UserError as problem:
                error, status = str(problem), 401
            else:
                response = redirect(next_url)
                session_token = users.start_session(store(), web, user, request.remote_addr)
                lifetime = int(parse_duration(web.session_lifetime).total_seconds())
                set_cookie(response, cookie, session_token, lifetime)
                response.delete_cookie(LOGIN_COOKIE, path="/")
                return response
        token = token or secrets.token_urlsafe(24)
        page = render_template("login.html", login_csrf=token, error=error, next=next_url,
                               name=request.form.get("name", ""))
        response = Response(page, status)
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        set_cookie(response, LOGIN_COOKIE, token, 3600)
        return response

    @app.post("/logout")
    def logout() -> Response:
        store().sessions.end(g.session.id)
        response = redirect("/login")
        response.delete_cookie(cookie, path="/")
        return response

    # --- the inbox ----------------------------------------------------------------

    def queue_filter() -> QueueFilter:
        view = request.args.get("view", "all")
        kind = request.args.get("kind") or None
        account = request.args.get("account") or None
        search = (request.args.get("q") or "").strip()[:100] or None
        return QueueFilter(me=g.viewer.name, view=view if view in VIEWS else "all",
                           kind=kind if kind in KIND_NAMES else None,
                           account=account if account and len(account) <= 40 else None,
                           search=search, scope=g.viewer.scope)

    def page_number() -> int:
        raw = request.args.get("page", "1")
        return max(1, min(int(raw), 10_000)) if raw.isdigit() else 1

    def inbox_values() -> dict[str, Any]:
        queue = queue_filter()
        page = page_number()
        now = store().now()
        rows = store().tasks.conversations(queue, now, limit=PAGE_SIZE + 1,
                                           offset=(page - 1) * PAGE_SIZE)
        moment = clock.now()
        shown = []
        for row in rows[:PAGE_SIZE]:
            label, overdue = due_label(row.due_at, moment)
            if row.snoozed_until:
                label, overdue = f"back {due_label(row.snoozed_until, moment)[0]}", False
            shown.append({"row": row, "due": label, "overdue": overdue,
                          "ago": ago_label(row.last_in_at, moment)})
        args = {"view": queue.view, "kind": queue.kind or "", "account": queue.account or "",
                "q": queue.search or "", "page": page if page > 1 else ""}

        def link(**change: Any) -> str:
            merged = {**args, **change}
            query = urlencode({k: v for k, v in merged.items() if v and v != "all"})
            return f"?{query}" if query else ""

        counts = store().tasks.counts(queue, now, accounts=len(config.accounts) > 1)
        return {"rows": shown, "counts": counts, "queue": queue,
                "page": page, "more": len(rows) > PAGE_SIZE, "link": link,
                "version": _version(), "views": VIEWS,
                "accounts": [a.name for a in config.accounts if g.viewer.sees(a.name)]}

    def _version() -> str:
        # Changes with any task or message, and each minute (the due times move on).
        return f"{store().tasks.version()}.{store().now()[:16].replace(':', '')}"

    @app.get("/")
    def inbox() -> str:
        taken = store().sessions.take_notice(g.session.id)
        return render_template("inbox.html", notice=taken, **inbox_values())

    @app.get("/list")
    def inbox_list() -> Response | str:
        if not request.headers.get("HX-Request"):
            return redirect("/?" + request.query_string.decode("ascii", "replace"))
        if request.args.get("v") and request.args.get("v") == _version():
            return Response("", 204)  # nothing changed: htmx keeps the list as it is
        return render_template("_list.html", **inbox_values())

    # --- a person -----------------------------------------------------------------

    def person_or_404(contact_id: int) -> Contact:
        contact = store().people.contact(contact_id)
        if contact is None or not g.viewer.sees(contact.account_id):
            abort(404)
        return contact

    def person_page(contact: Contact, *, error: str | None = None, typed: str = "",
                    typed_note: str = "", edited: tuple[int, str] | None = None,
                    status: int = 200) -> tuple[str, int]:
        """The page; after a failed action, what was typed goes back into its own box
        (``typed``: the reply, ``typed_note``, ``edited``: a held draft's task and edit)."""
        now = clock.now()
        all_tasks = store().tasks.for_contact(contact.id)
        open_tasks = [t for t in all_tasks if t.is_open]
        drafts = {t.id: store().messages.get(t.message_id) for t in all_tasks
                  if t.kind == "hold" and t.message_id}
        findings = {task_id: store().messages.findings(m.id) for task_id, m in drafts.items()
                    if m is not None and m.state == "held"}
        canned = [(item.name, item.text) for item in filled_canned(config, contact)]
        lines = [(a.at, history(f"task {a.task_id}: {a.action}", a.actor, a.note))
                 for a in store().tasks.actions_about(contact.id)]
        lines += [(n.at, history("note", n.author, None)) for n in store().notes.about(contact.id)]
        lines.sort(key=lambda item: item[0])
        due = {t.id: due_label(t.due_at, now) for t in open_tasks}
        lead = open_tasks[0] if open_tasks else None
        snoozed = snoozed_until(lead.snoozed_until, now) if lead else None
        page = render_template(
            "person.html", contact=contact, tasks=all_tasks, open_tasks=open_tasks, lead=lead,
            drafts=drafts, findings=findings, due=due, snoozed=snoozed,
            thread=store().messages.conversation(contact.id, limit=200),
            waiting=store().messages.waiting_for_a_person(contact.id),
            notes=store().notes.about(contact.id), history=lines[-100:],
            opted_out=OPTED_OUT if store().people.is_opted_out(contact.id) else None,
            holder=holder, canned=canned,
            teammates=[u.name for u in store().users.active()], snoozes=SNOOZES,
            error=error, typed=typed, typed_note=typed_note, edited=edited,
            seen=actions.seen_now(store(), contact.id).token(),
            notice=None if error else store().sessions.take_notice(g.session.id),
            ago=lambda at: ago_label(at, now))
        return page, status

    @app.get(f"/people/{ID}")
    def person(contact_id: int) -> tuple[str, int]:
        return person_page(person_or_404(contact_id))

    @app.get("/tasks/<int(max=9223372036854775807):task_id>")
    def old_task_link(task_id: int) -> Response:
        task = store().tasks.get(task_id)
        if task is None:
            abort(404)
        return redirect(f"/people/{task.contact_id}")

    def next_page(contact_id: int) -> Response:
        following = next_conversation(store(), g.viewer.name, g.viewer.scope, after=contact_id)
        return redirect(f"/people/{following}" if following else "/")

    def act(contact: Contact, name: str) -> tuple[str, bool]:
        """Do ``name`` through :mod:`dmguard.actions`; (what to tell, go to the next person).

        A form about the whole conversation carries what its page showed (``seen``) and
        acts only if nothing new has come since; the check and the change commit together.
        """
        who = g.viewer.name
        form = request.form
        open_tasks = store().tasks.for_contact(contact.id, open_only=True)
        if name == "note":
            actions.add_note(store(), contact.id, who, form.get("note", ""))
            return "Note added.", False
        if name == "settle":
            return settle(contact, who), False
        if not open_tasks:
            raise TaskError("no open task", "closed")
        if name == "release" or (name == "dismiss" and form.get("task")):
            return act_on_draft(name, chosen_task(open_tasks))
        seen = actions.Seen.parse(form.get("seen", ""))
        if name == "reply":
            message_id = actions.reply(store(), config, open_tasks[0].id, who,
                                       form.get("text", ""), seen=seen)
            return f"Sent to {contact.name or contact.username} (message {message_id}).", True
        with store().atomic():
            actions.require_seen(store(), contact.id, seen)
            return act_on_conversation(name, open_tasks[0].id)

    def chosen_task(open_tasks: list[Task]) -> int:
        chosen = request.form.get("task", "")
        task_id = int(chosen) if chosen.isdigit() else 0
        if task_id not in {t.id for t in open_tasks if t.kind == "hold"}:
            raise TaskError("no such held draft", "missing")
        return task_id

    def act_on_draft(name: str, task_id: int) -> tuple[str, bool]:
        """Release one held draft (re-audited, edited or not), or dismiss it alone."""
        who = g.viewer.name
        if name == "dismiss":
            actions.close(store(), config, task_id, who, "dismissed")
            return "The draft is dismissed; it will not be sent.", False
        released = actions.release(store(), config, task_id, who, request.form.get("text"))
        draft = "the edited draft" if released.edited else "the draft"
        if not released.queued:
            raise TaskError(released.refusal(draft), "text")
        return f"{draft.capitalize()} passed the audit and is queued to send, labelled.", True

    def act_on_conversation(name: str, lead: int) -> tuple[str, bool]:
        who = g.viewer.name
        form = request.form
        if name == "claim":
            take_over = form.get("take_over") == "1"
            actions.take(store(), lead, who, take_over=take_over)
            return "It is yours; the bot stays quiet with this person.", False
        if name == "assign":
            to = form.get("to", "")
            actions.assign(store(), lead, who, to)
            return f"Assigned to {to}.", to != who
        if name == "unassign":
            actions.unassign(store(), config, lead, who)
            return "Nobody has it now.", False
        if name == "snooze":
            choice = form.get("for", "")
            if choice not in SNOOZES:
                raise TaskError("pick how long to snooze", "time")
            until = clock.now() + parse_duration(choice)
            actions.snooze(store(), lead, who, until)
            return f"Snoozed until {until:%a %H:%M} UTC.", True
        if name in ("done", "dismiss"):
            closed = actions.resolve(store(), config, lead, who, "done" if name == "done" else
                                     "dismissed", form.get("note") or None)
            return f"Closed {closed} task{'s' if closed != 1 else ''}.", True
        abort(404)

    def settle(contact: Contact, who: str) -> str:
        """A person's word on a message of this person's that waits for one."""
        message_id = request.form.get("message", "")
        outcome = request.form.get("outcome", "")
        waiting = {m.id for m in store().messages.waiting_for_a_person(contact.id)}
        if not message_id.isdigit() or int(message_id) not in waiting:
            raise TaskError("that message does not wait for a person (any more)", "closed")
        if outcome not in ("arrived", "lost"):
            raise TaskError("say whether it arrived or was lost", "text")
        try:
            settled = outbox.settle_by_person(store(), int(message_id), who,
                                              arrived=outcome == "arrived")
        except outbox.SettleError as error:
            raise TaskError(str(error), "closed") from None
        return (f"Message {settled.id} is recorded as sent." if outcome == "arrived" else
                f"Message {settled.id} is recorded as lost; it is not sent again.")

    @app.post(f"/people/{ID}/<any(reply, release, claim, assign, unassign, snooze, done, "
              "dismiss, note, settle):action>")
    def person_action(contact_id: int, action: str) -> Response | tuple[str, int]:
        contact = person_or_404(contact_id)
        try:
            told, go_next = act(contact, action)
        except TaskError as problem:
            status = {"missing": 404, "text": 400, "not_personal": 400, "time": 400,
                      "no_user": 400, "failed": 502, "platform": 503}.get(problem.code, 409)
            form = request.form
            # Each form's text goes back into its own box: an edited held draft never
            # lands in the personal reply (it would go out unlabelled from there).
            task = form.get("task", "")
            edited = ((int(task), form.get("text", ""))
                      if action == "release" and task.isdigit() else None)
            # Only a reply, a release and a note have a text to keep (and keep it).
            kept = action in ("reply", "release", "note")
            return person_page(contact, error=page_words(problem, kept=kept),
                               typed=form.get("text", "") if action == "reply" else "",
                               typed_note=form.get("note", "") if action == "note" else "",
                               edited=edited, status=status)
        notice(told)
        return next_page(contact.id) if go_next else redirect(f"/people/{contact.id}")

    # --- the team (admins) --------------------------------------------------------

    def admin_only() -> None:
        if not g.viewer.is_admin:
            abort(403, "Only an admin can manage the team.")

    def team_page(error: str | None = None, status: int = 200) -> tuple[str, int]:
        team = [(u, store().users.accounts(u.id)) for u in store().users.active()]
        return render_template("team.html", team=team, error=error,
                               notice=store().sessions.take_notice(g.session.id),
                               accounts=[a.name for a in config.accounts]), status

    @app.get("/team")
    def team() -> tuple[str, int]:
        admin_only()
        return team_page()

    @app.post("/team")
    def team_add() -> Response | tuple[str, int]:
        admin_only()
        form = request.form
        try:
            chosen = users.check_accounts(form.getlist("accounts"),
                                          {account.name for account in config.accounts})
            users.add_user(store(), form.get("name", "").strip(), form.get("role", "agent"),
                           form.get("password", ""), chosen)
        except users.UserError as problem:
            return team_page(f"{str(problem)[:1].upper()}{str(problem)[1:]}.", 400)
        notice(f"Added {form.get('name', '').strip()}.")
        return redirect("/team")

    @app.post("/team/<name>/remove")
    def team_remove(name: str) -> Response | tuple[str, int]:
        admin_only()
        if name == g.viewer.name:
            return team_page("You cannot remove yourself; ask another admin.", 400)
        try:
            released = users.remove_user(store(), config, name, g.viewer.name)
        except users.UserError as problem:
            return team_page(f"{str(problem)[:1].upper()}{str(problem)[1:]}.", 400)
        notice(f"Removed {name}; their sessions have ended"
               + (f"; {users.unassigned_words(released, name)}." if released else "."))
        return redirect("/team")

    app.extensions["dmguard_store"] = store
    return app


def serve(config: Config, port: int, clock: Clock, announce: Callable[[str], None], *,
          bind: str | None = None, channel_timeout: int = 30) -> None:
    """Serve the inbox with waitress until interrupted."""
    from waitress.server import create_server

    app = create_app(config, clock)
    host = bind or config.web.bind
    try:
        server = create_server(app, host=host, port=port, threads=config.web.threads,
                               channel_timeout=channel_timeout,
                               max_request_body_size=MAX_BODY * 2,
                               max_request_header_size=32 * 1024, connection_limit=200,
                               ident="dmguard", clear_untrusted_proxy_headers=True)
    except OSError as error:
        if error.errno == errno.EADDRNOTAVAIL:  # an address of another machine
            raise WebError(f"cannot listen on {host}:{port} ({error.strerror}): no such "
                           "address here; check --bind or [web] bind") from None
        raise WebError(f"cannot listen on {host}:{port} ({error.strerror}); use --port with a "
                       "free port") from None
    except ValueError:
        # waitress's "Invalid host/port specified." (e.g. a host name nothing resolves).
        raise WebError(f"cannot listen on {host}:{port}: no such address here; check --bind "
                       "or [web] bind") from None
    # the port the system chose for --port 0 (a server on several addresses has no one port)
    port = getattr(server, "effective_port", port)
    shown = config.web.public_url or f"http://{host}:{port}"
    announce(f"inbox at {shown} (listening on {host}:{port}); Ctrl-C to stop")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
