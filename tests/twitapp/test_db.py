"""The data layer: URLs, connection reuse and recovery, 503 answers, init_db, seed, CLI."""

from __future__ import annotations

import io
import os
import re
import sqlite3
import functools
from typing import Any

from urllib.parse import urlsplit

import pymysql
import pytest

import twitapp
from twitapp import db, queries
from twitapp.commands import safe_url as cli_safe
from twitapp.__main__ import main as cli
from twitapp.seed import seed
from twitapp.views.auth import USERNAME_PATTERN
from tests.support.mariadb import server_url, temporary_database

from .helpers import FAST_HASH, TEST_KEY, make_app, message_texts, post, register, register_and_login

# --------------------------------------------------------------------------- URLs


def test_parse_sqlite_urls() -> None:
    assert db.parse_url("sqlite:////tmp/x.db").options == {"database": "/tmp/x.db"}
    assert db.parse_url("sqlite:///rel/x.db").options == {"database": "rel/x.db"}
    assert db.parse_url("sqlite:///:memory:").options == {"database": ":memory:"}
    assert db.parse_url("sqlite:///tmp/a%20b.db").dialect is db.SQLITE


def test_parse_mysql_urls() -> None:
    target = db.parse_url("mysql://bob:p%40ss%3Aw@db.example:3307/tw?read_timeout=2")
    assert target.dialect is db.MYSQL
    options = target.options
    assert (options["host"], options["port"], options["user"]) == ("db.example", 3307, "bob")
    assert options["password"] == "p@ss:w"
    assert options["database"] == "tw"
    assert options["charset"] == "utf8mb4"
    assert options["read_timeout"] == 2.0
    assert options["ssl_disabled"] is True and "ssl" not in options  # TLS only when asked
    secure = db.parse_url("mysql://u@h/d?ssl=true&ssl_ca=/etc/ca.pem").options
    assert secure["ssl"] == {"ca": "/etc/ca.pem"} and secure["ssl_verify_cert"] is True
    assert "ssl_disabled" not in secure
    assert db.parse_url("mysql+pymysql://u@h/d").options["port"] == 3306


@pytest.mark.parametrize(
    "url",
    ["", "nonsense", "postgres://u@h/d", "sqlite://", "mysql://u@h/", "mysql://u@h:port/d",
     "mysql://u@h/d?read_timeout=soon"],
)
def test_bad_urls_are_refused_clearly(url: str) -> None:
    with pytest.raises(db.BadDatabaseURL):
        db.parse_url(url)


# --------------------------------------------------------------------------- unavailable database


def _dead_url(kind: str, tmp_path: Any) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'missing-folder' / 'db.sqlite'}"
    return "mysql://root:@127.0.0.1:1/nowhere?connect_timeout=2"  # nothing listens on port 1


def test_dead_database_gives_503_then_recovers(tmp_path: Any, database_url: str) -> None:
    kind = "sqlite" if database_url.startswith("sqlite") else "mysql"
    app = twitapp.create_app({"TESTING": True, "SECRET_KEY": TEST_KEY, "CSRF_ENABLED": False,
                              "PASSWORD_HASH_METHOD": FAST_HASH,
                              "DATABASE_URL": _dead_url(kind, tmp_path)})  # starts anyway
    client = app.test_client()
    assert client.get("/").status_code == 302  # signed out: home needs no database
    for path in ("/public", "/alice"):
        response = client.get(path)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert "database is not reachable" in response.text
        assert "Traceback" not in response.text and "pymysql" not in response.text.lower()
        assert response.headers["X-Frame-Options"] == "DENY"
    response = client.get("/public", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == 503
    assert register(client, "alice").status_code == 503
    assert client.get("/static/style.css").status_code == 200  # static files need no database

    # The database is back (here: the app is pointed at a live one); no restart needed.
    db.ensure_schema(database_url)
    app.config["DATABASE_URL"] = database_url
    with app.app_context():
        db.get_db().delete_all()
    register_and_login(client, "alice")
    assert post(client, "back again").status_code == 302
    assert message_texts(client, "/public") == ["back again"]
    db.close_thread_connections()


def test_sqlite_database_appears_later(tmp_path: Any) -> None:
    """Same URL throughout: 503 while the folder is missing, 200 once it exists."""
    url = f"sqlite:///{tmp_path / 'later' / 'db.sqlite'}"
    app = twitapp.create_app({"TESTING": True, "SECRET_KEY": TEST_KEY, "DATABASE_URL": url})
    client = app.test_client()
    assert client.get("/public").status_code == 503
    os.mkdir(tmp_path / "later")
    db.ensure_schema(url)
    assert client.get("/public").status_code == 200
    db.close_thread_connections()


@pytest.fixture
def mysql_app(mysql_url: str) -> Any:
    app = make_app(mysql_url)
    yield app
    db.close_thread_connections()


def _connection_id(app: Any) -> int:
    with app.app_context():
        return int(db.get_db().query_one("SELECT CONNECTION_ID() AS id")["id"])


def test_mysql_connection_is_reused_across_requests(mysql_app: Any) -> None:
    client = mysql_app.test_client()
    first = _connection_id(mysql_app)
    for _ in range(5):
        assert client.get("/public").status_code == 200
    assert _connection_id(mysql_app) == first


def test_mysql_killed_connection_is_replaced(mysql_app: Any) -> None:
    client = mysql_app.test_client()
    register_and_login(client, "alice")
    victim = _connection_id(mysql_app)
    admin = _admin()
    with admin.cursor() as cursor:
        cursor.execute(f"KILL CONNECTION {victim}")
    admin.close()
    assert post(client, "after the kill").status_code == 302  # no 503: the ping noticed
    assert message_texts(client, "/public") == ["after the kill"]
    assert _connection_id(mysql_app) != victim


def _admin() -> Any:
    """A connection of our own to the test server, to kill and create things."""
    parts = urlsplit(server_url())
    return pymysql.connect(host=parts.hostname or "127.0.0.1", port=parts.port or 3306,
                           user=parts.username or "root", password=parts.password or "",
                           ssl_disabled=True, autocommit=True)


def test_mysql_database_created_later_same_url(mysql_url: str) -> None:
    """An unknown database (1049) is a 503, and the same URL works once it exists."""
    with temporary_database("twitapp_later") as url:
        missing = url + "_absent"
        app = twitapp.create_app({"TESTING": True, "SECRET_KEY": TEST_KEY, "DATABASE_URL": missing})
        client = app.test_client()
        assert client.get("/public").status_code == 503
        name = missing.rsplit("/", 1)[1]
        admin = _admin()
        try:
            with admin.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
            db.ensure_schema(missing)
            assert client.get("/public").status_code == 200
        finally:
            db.close_thread_connections()
            with admin.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            admin.close()


# --------------------------------------------------------------------------- init_db


def test_init_db_empties_the_database(app: Any, client: Any) -> None:
    register_and_login(client, "alice")
    post(client, "soon gone")
    with app.app_context():
        twitapp.init_db()
        conn = db.get_db()
        assert [conn.count(table) for table in ("user", "message", "follower")] == [0, 0, 0]


def test_init_db_uses_the_url_configured_at_that_moment(app: Any, client: Any, tmp_path: Any) -> None:
    register_and_login(client, "alice")
    first = app.config["DATABASE_URL"]
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    app.config["DATABASE_URL"] = other
    with app.app_context():
        twitapp.init_db()
        assert db.get_db().url == other
    with sqlite3.connect(tmp_path / "other.sqlite") as check:
        assert check.execute("SELECT COUNT(*) FROM user").fetchone() == (0,)
    # The first database was not touched, and the app follows the setting back.
    app.config["DATABASE_URL"] = first
    assert client.get("/").status_code == 200


def test_default_database_is_sqlite_in_instance_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    instance = tmp_path / "instance"
    monkeypatch.setattr(twitapp, "Flask", functools.partial(twitapp.Flask, instance_path=str(instance)))
    app = twitapp.create_app({"TESTING": True, "SECRET_KEY": TEST_KEY})
    assert app.instance_path == str(instance)
    url = app.config["DATABASE_URL"]
    assert url == "sqlite:///" + os.path.join(app.instance_path, "twitapp.sqlite")
    assert os.path.exists(os.path.join(app.instance_path, "twitapp.sqlite"))
    assert app.test_client().get("/public").status_code == 200  # schema made on first start
    db.close_thread_connections()


# --------------------------------------------------------------------------- seed and CLI


def test_seed_makes_consistent_data(app: Any) -> None:
    out = io.StringIO()
    with app.app_context():
        conn = db.get_db()
        timings = seed(conn, users=30, messages=700, follows=80, out=out, hasher=lambda pw: "hash:" + pw)
        assert set(timings) == {"users", "follows", "messages"}
        assert conn.count("user") == 30
        assert conn.count("message") == 700
        assert 0 < conn.count("follower") <= 80
        users = conn.query("SELECT user_id, username FROM user")
        assert all(USERNAME_PATTERN.fullmatch(row["username"]) for row in users)
        assert conn.query("SELECT who_id FROM follower WHERE who_id = whom_id") == []
        orphans = conn.query("SELECT m.message_id FROM message m LEFT JOIN user u"
                             " ON u.user_id = m.author_id WHERE u.user_id IS NULL")
        assert orphans == []
        dates = [row["pub_date"] for row in conn.query("SELECT pub_date FROM message ORDER BY message_id")]
        assert dates == sorted(dates)
        # Seeding again adds more, without name clashes.
        seed(conn, users=5, messages=10, follows=5, out=out, hasher=lambda pw: "hash:" + pw)
        assert conn.count("user") == 35
    assert "message: 700/700" in out.getvalue()


def test_seeded_users_can_log_in(app: Any) -> None:
    with app.app_context():
        seed(db.get_db(), users=2, messages=3, follows=1, password="pw", out=io.StringIO(),
             hasher=lambda pw: __import__("werkzeug.security").security.generate_password_hash(pw, FAST_HASH))
        name = db.get_db().query("SELECT username FROM user")[0]["username"]
    client = app.test_client()
    assert client.post("/login", data={"username": name, "password": "pw"}).status_code == 302


def test_cli_init_db_and_seed(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["--database-url", database_url, "init-db"]) == 0
    assert "created an empty schema" in capsys.readouterr().out
    assert cli(["--database-url", database_url, "seed", "--users", "12", "--messages", "120",
                "--follows", "30"]) == 0
    output = capsys.readouterr().out
    assert "message: 120/120" in output and re.search(r"seeded .* in [\d.]+ s", output)
    conn = db.Connection(database_url)
    try:
        assert conn.count("message") == 120 and conn.count("user") == 12
    finally:
        conn.close()


def test_app_cli_init_db_and_seed(app: Any) -> None:
    """The same commands as app.cli commands (``python -m wsgi_stack --app server:app init-db``)."""
    runner = app.test_cli_runner()
    with app.app_context():
        db.get_db().insert_rows("user", ("username", "email", "pw_hash"), [("old", "o@x", "h")])
        db.get_db().commit()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "created an empty schema" in result.output
    result = runner.invoke(args=["seed", "--users", "7", "--messages", "40", "--follows", "9",
                                 "--random-seed", "3"])
    assert result.exit_code == 0, result.output
    assert "message: 40/40" in result.output and re.search(r"seeded .* in [\d.]+ s", result.output)
    conn = db.Connection(app.config["DATABASE_URL"])
    try:
        assert conn.count("user") == 7 and conn.count("message") == 40  # "old" went with init-db
        assert conn.user_by_name("old") is None
    finally:
        conn.close()
    refused = runner.invoke(args=["seed", "--users", "-1"])
    assert refused.exit_code == 2 and "-1 is not in the range" in refused.output


def test_app_cli_reports_an_unreachable_database() -> None:
    app = twitapp.create_app({"TESTING": True, "SECRET_KEY": TEST_KEY,
                              "DATABASE_URL": "mysql://root:@127.0.0.1:1/x?connect_timeout=1"})
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 1 and "Error: cannot connect" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback


def test_cli_hides_passwords() -> None:
    assert cli_safe("mysql://bob:s3cret@db:3306/tw") == "mysql://bob:***@db:3306/tw"
    assert cli_safe("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_cli_reports_an_unreachable_database(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["--database-url", "mysql://root:@127.0.0.1:1/x?connect_timeout=1", "init-db"]) == 1
    assert "error:" in capsys.readouterr().err


# --------------------------------------------------------------------------- query plans


def _statements(conn: db.Connection, call: Any) -> list[tuple[str, list[Any]]]:
    """The (SQL, parameters) of every query ``call(conn)`` runs."""
    seen: list[tuple[str, list[Any]]] = []
    real = conn.query

    def spy(statement: str, params: Any = ()) -> Any:
        seen.append((statement, list(params)))
        return real(statement, params)

    conn.query = spy  # type: ignore[method-assign]
    try:
        call(conn)
    finally:
        del conn.query
    return seen


def _plan_lines(conn: db.Connection, statement: str, params: list[Any]) -> list[str]:
    """One line per step of the plan: the step on ``message`` (access path and key)."""
    rows = conn.explain(statement, params)
    if conn.dialect is db.SQLITE:
        return [row["detail"] for row in rows]
    return [f"{row['table']} {row['type']} {row['key']} {row['Extra'] or ''}" for row in rows]


def test_timeline_queries_read_index_ranges(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """No timeline query scans or sorts the message table, or starts from ``user``.

    The public and home pages select their ids first (an index range on ``message``, in a
    derived table), then read those rows and their authors by primary key; the user page
    reads its author (a constant) and a range of the author index. The home timeline is
    checked in each of its ways: a window read by primary key, a window read through the
    author index, and the per-author step. The figures for a million messages are in the
    report; this checks the plan shape on a small database, on both backends.
    """
    with app.app_context():
        conn = db.get_db()
        seed(conn, users=40, messages=4000, follows=300, out=io.StringIO(), hasher=lambda pw: pw)
        if conn.dialect is db.MYSQL:
            conn.query("ANALYZE TABLE message, user, follower")
        reader = conn.query_one("SELECT who_id FROM follower GROUP BY who_id ORDER BY COUNT(*) DESC")
        author = conn.query_one("SELECT author_id FROM message GROUP BY author_id ORDER BY COUNT(*) DESC")
        top = conn.max_id("message", "message_id")

        def home(scan_rows: int, attempts: int, per_statement: int = 200) -> Any:
            def call(c: db.Connection) -> Any:
                monkeypatch.setattr(queries, "HOME_SCAN_ROWS_PER_AUTHOR", scan_rows)
                monkeypatch.setattr(queries, "HOME_WINDOW_ATTEMPTS", attempts)
                monkeypatch.setattr(queries, "HOME_AUTHORS_PER_STATEMENT", per_statement)
                return c.home_timeline(reader["who_id"], top - 1000, 31)
            return call

        calls = {
            "public": lambda c: c.public_timeline(top - 2000, 31),
            "user": lambda c: c.user_timeline(author["author_id"], top - 1000, 31),
            "home by key": home(10**9, 1),
            "home by key from follower": home(10**9, 1, per_statement=1),
            "home by index": home(0, 1),
            "home per author": home(0, 0),
        }
        for name, call in calls.items():
            # The home timeline's first statement reads the followed ids and two maxima.
            pages = [(st, ps) for st, ps in _statements(conn, call) if "GROUP_CONCAT" not in st]
            assert len(pages) == 1, (name, pages)  # one statement for the page's rows
            statement, params = pages[0]
            assert ("AS recent" in statement) == (name != "user"), (name, statement)
            lines = _plan_lines(conn, statement, params)
            if conn.dialect is db.SQLITE:
                on_messages = [line for line in lines if re.match(r"^(SEARCH|SCAN) (m|message)\b", line)]
                on_users = [line for line in lines if re.match(r"^(SEARCH|SCAN) u\b", line)]
                if name != "user":
                    assert lines[0] == "MATERIALIZE recent", (name, lines)
                for line in on_messages:
                    assert line.startswith("SEARCH"), (name, line)
                    assert "PRIMARY KEY" in line or "message_by_author" in line, (name, line)
                assert [line.split(" USING ")[1] for line in on_users] == ["INTEGER PRIMARY KEY (rowid=?)"]
                if name.startswith("home by key"):
                    assert "SEARCH message USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)" in lines
                if name == "home by key from follower":  # the followed ids, read once
                    assert "LIST SUBQUERY 1" in lines
                    assert any(re.match(r"SEARCH follower USING .*\(who_id=\?\)", line) for line in lines)
                sorts = [line for line in lines if "TEMP B-TREE" in line]
            else:
                rows = conn.explain(statement, params)
                by_table = {row["table"]: row for row in rows}
                if name == "user":
                    assert (rows[0]["table"], rows[0]["type"]) == ("u", "const"), (name, lines)
                    assert by_table["m"]["key"] == "message_by_author", (name, lines)
                else:
                    # First the derived table of ids, then message and user by primary key.
                    assert rows[0]["table"].startswith("<derived"), (name, lines)
                    assert (by_table["m"]["type"], by_table["m"]["key"]) == ("eq_ref", "PRIMARY"), lines
                    assert (by_table["u"]["type"], by_table["u"]["key"]) == ("eq_ref", "PRIMARY"), lines
                on_messages = [line for line in lines if re.match(r"^(m|message) ", line)]
                for line in on_messages:
                    _, access, key, *_ = line.split(" ")
                    assert access in ("range", "ref", "eq_ref", "const"), (name, line)
                    assert key in ("PRIMARY", "message_by_author"), (name, line)
                if name.startswith("home by key"):
                    assert [line for line in on_messages if line.startswith("message range PRIMARY")]
                if name == "home by key from follower":  # the followed ids, read once
                    assert (by_table["follower"]["select_type"], by_table["follower"]["key"]) == (
                        "MATERIALIZED", "PRIMARY"), lines
                sorts = [line for line in lines if "filesort" in line]
            assert on_messages, (name, lines)
            if name in ("public", "home by key", "home by key from follower"):
                # The ids are read in the order wanted and stop at the page's end: the only
                # sort is the outer one, of the page's own rows.
                assert len(sorts) == 1, (name, lines)
            if name == "user":
                assert sorts == [], (name, lines)


# --------------------------------------------------------------------------- write transactions


def _conflict(code: int) -> db.DatabaseUnavailable:
    try:
        raise pymysql.OperationalError(code, "simulated")
    except pymysql.OperationalError as cause:
        error = db.DatabaseUnavailable("simulated")
        error.__cause__ = cause
        return error


def test_write_transaction_retries_a_deadlock_victim(app: Any) -> None:
    attempts = []

    def work(conn: db.Connection) -> int:
        attempts.append(1)
        if len(attempts) == 1:
            conn.create_user("ghost", "ghost@example.com", "x")  # rolled back with the failure
            raise _conflict(1213)
        return conn.create_user("alice", "alice@example.com", "x")

    with app.app_context():
        conn = db.get_db()
        assert conn.write_transaction(work) > 0
        assert len(attempts) == 2
        assert conn.user_by_name("ghost") is None
        assert conn.user_by_name("alice") is not None


def test_write_transaction_gives_up_and_does_not_retry_other_errors(app: Any) -> None:
    with app.app_context():
        conn = db.get_db()
        calls = []

        def always_deadlocked(conn: db.Connection) -> None:
            calls.append(1)
            raise _conflict(1213)

        with pytest.raises(db.DatabaseUnavailable):
            conn.write_transaction(always_deadlocked, attempts=3)
        assert len(calls) == 3

        calls.clear()

        def server_gone(conn: db.Connection) -> None:
            calls.append(1)
            raise _conflict(2006)

        with pytest.raises(db.DatabaseUnavailable):
            conn.write_transaction(server_gone)
        assert len(calls) == 1
