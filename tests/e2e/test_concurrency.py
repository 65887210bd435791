"""Several people at once, across both gunicorn workers: nothing lost, nothing doubled, no 500."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from .http_client import HttpClient, Reply
from .people import PASSWORD, Person, fill, post, signed_up

PEOPLE = 6


def test_people_posting_at_once_all_get_their_message_in(
    new_client: Callable[[], HttpClient], unique_name: Callable[[str], str]
) -> None:
    people = [Person(unique_name(f"crowd{n}"), PASSWORD) for n in range(PEOPLE)]
    clients = [signed_up(new_client(), person) for person in people]
    start = threading.Barrier(PEOPLE)

    def speak(index: int) -> list[int]:
        start.wait()
        return [post(clients[index], f"{people[index].username} says {k}").status for k in range(5)]

    with ThreadPoolExecutor(PEOPLE) as pool:
        statuses = [status for result in pool.map(speak, range(PEOPLE)) for status in result]
    assert set(statuses) <= {302, 303}

    shown = new_client().get("/public", headers={"Accept": "application/json"}).json()["messages"]
    texts = [message["text"] for message in shown]
    expected = {f"{person.username} says {k}" for person in people for k in range(5)}
    assert expected <= set(texts)
    assert len(texts) == len(set(texts)), "a message was stored twice"


def test_one_name_registered_twice_at_once_goes_to_one_person(
    new_client: Callable[[], HttpClient], unique_name: Callable[[str], str]
) -> None:
    name = unique_name("race")
    contenders = [Person(name, f"{PASSWORD} {n}") for n in range(4)]
    clients = [new_client() for _ in contenders]
    forms = [client.get("/register") for client in clients]  # with their CSRF tokens
    start = threading.Barrier(len(contenders))

    def try_register(index: int) -> Reply:
        person = contenders[index]
        values = {"username": name, "email": person.email, "password": person.password,
                  "password2": person.password}
        start.wait()  # then only the POSTs race
        return clients[index].submit(forms[index].page(), "username", values, page_url=forms[index].url)

    with ThreadPoolExecutor(len(contenders)) as pool:
        replies = list(pool.map(try_register, range(len(contenders))))

    winners = [i for i, reply in enumerate(replies) if reply.status in (302, 303)]
    losers = [reply for reply in replies if reply.status not in (302, 303)]
    assert len(winners) == 1, [reply.status for reply in replies]
    for reply in losers:
        assert reply.status == 400
        assert "The username is already taken" in reply.page().text
    # The account is the winner's: their password works, another's does not.
    winner = contenders[winners[0]]
    loser = contenders[(winners[0] + 1) % len(contenders)]
    bad = fill(new_client(), "/login", "username", {"username": name, "password": loser.password})
    assert bad.status == 400 and "Invalid password" in bad.page().text
    good = fill(new_client(), "/login", "username", {"username": name, "password": winner.password})
    assert good.status in (302, 303)
