"""The words of the router's customer and agent pages (the chat widget, the agent's desk) in English and French,
chosen by the browser's Accept-Language as the planner's dashboard chooses (French first on most Moroccan
offshore sites, English otherwise). A page holds ``__LANG__``, ``__TITLE__`` and ``__WORDS__`` (its words as a
JSON object, put in a script: ``</`` escaped so that no word can end the script) and shows every word with
``textContent``."""

from __future__ import annotations

import html
import json
from pathlib import Path

STATIC = Path(__file__).parent / "static"
LANGS = ("en", "fr")

WORDS: dict[str, dict[str, dict[str, str]]] = {
    "chat": {
        "en": {
            "title": "Chat", "ready": "write your message to start", "starting": "starting…",
            "waiting": "waiting for an agent", "connected": "connected to an agent", "ended": "ended",
            "placeholder": "Your message", "send": "Send", "end": "End chat", "new": "New chat",
            "cannot_start": "cannot start: ",
            "why_customer": "you ended the chat", "why_agent": "the agent ended the chat",
            "why_left": "the chat ended while you were away", "why_idle": "the chat ended: no message for a while",
            "why_supervisor": "the chat was closed", "why_ended": "the chat ended",
            "notice_requeued": "your agent had to leave: another agent will be with you shortly",
        },
        "fr": {
            "title": "Discussion", "ready": "écrivez votre message pour commencer", "starting": "ouverture…",
            "waiting": "en attente d’un conseiller", "connected": "en ligne avec un conseiller", "ended": "terminée",
            "placeholder": "Votre message", "send": "Envoyer", "end": "Terminer", "new": "Nouvelle discussion",
            "cannot_start": "impossible de commencer : ",
            "why_customer": "vous avez terminé la discussion", "why_agent": "le conseiller a terminé la discussion",
            "why_left": "la discussion s’est terminée en votre absence",
            "why_idle": "la discussion s’est terminée : aucun message depuis un moment",
            "why_supervisor": "la discussion a été close", "why_ended": "la discussion est terminée",
            "notice_requeued": "votre conseiller a dû partir : un autre conseiller va vous répondre",
        },
    },
    "desk": {
        "en": {
            "title": "Agent desk", "agent": "Agent", "token": "token", "start": "Start",
            "held_chats": "{n} chat(s)", "held_emails": "{n} email item(s)", "held_none": "no chat, no email item",
            "accept": "Accept", "open": "Open", "end": "End", "close": "Close", "reply": "Reply",
            "customer": "customer: ", "me": "me: ", "email": "email: ", "chat": "chat ",
            "offered": "offered", "connected": "in progress", "ended_notice": "{chat} ended: {why}",
            "why_customer": "the customer ended it", "why_agent": "you ended it",
            "why_left": "the customer left", "why_idle": "no message for a while",
            "why_supervisor": "a supervisor closed it", "why_ended": "it ended",
            "why_abandoned": "the customer left before an answer", "why_cleared": "a supervisor closed it",
            "why_requeued": "handed back to the queue when you were logged off",
            "queue": "queue ", "accept_within": "accept within {n} s", "ended": "ended", "dismiss": "Dismiss",
            "arrived": "arrived at {at} (site time)", "deadline_in": "deadline in {t}",
            "deadline_past": "deadline passed {t} ago",
            "set_available": "Available", "set_break": "Pause", "set_offline": "Log off",
            "status_available": "available", "status_break": "on pause", "status_offline": "logged off",
        },
        "fr": {
            "title": "Poste du conseiller", "agent": "Conseiller", "token": "jeton", "start": "Commencer",
            "held_chats": "{n} discussion(s)", "held_emails": "{n} e-mail(s)",
            "held_none": "aucune discussion, aucun e-mail", "accept": "Accepter", "open": "Ouvrir", "end": "Terminer",
            "close": "Clore", "reply": "Répondre", "customer": "client : ", "me": "moi : ", "email": "e-mail : ",
            "chat": "discussion ", "offered": "proposée", "connected": "en cours",
            "ended_notice": "{chat} terminée : {why}",
            "why_customer": "le client l’a terminée", "why_agent": "vous l’avez terminée",
            "why_left": "le client est parti", "why_idle": "aucun message depuis un moment",
            "why_supervisor": "un superviseur l’a close", "why_ended": "elle s’est terminée",
            "why_abandoned": "le client est parti avant la réponse", "why_cleared": "un superviseur l’a close",
            "why_requeued": "rendue à la file quand vous avez été déconnecté·e",
            "queue": "file ", "accept_within": "à accepter sous {n} s", "ended": "terminée", "dismiss": "Retirer",
            "arrived": "arrivé à {at} (heure du site)", "deadline_in": "échéance dans {t}",
            "deadline_past": "échéance dépassée depuis {t}",
            "set_available": "Disponible", "set_break": "Pause", "set_offline": "Se déconnecter",
            "status_available": "disponible", "status_break": "en pause", "status_offline": "déconnecté·e",
        },
    },
}


def page_language(accept_language: str | None) -> str:
    """``fr`` when the browser asks for French first, else ``en`` (the dashboard's rule)."""
    return "fr" if (accept_language or "").strip().lower().startswith("fr") else "en"


def translated_page(name: str, accept_language: str | None) -> str:
    """The page ``name`` (``chat`` or ``desk``) with its language and its words in it."""
    lang = page_language(accept_language)
    words = json.dumps(WORDS[name][lang], ensure_ascii=False).replace("</", "<\\/")
    text = (STATIC / f"{name}.html").read_text(encoding="utf-8")
    title = html.escape(WORDS[name][lang]["title"])
    return text.replace("__LANG__", lang).replace("__TITLE__", title).replace("__WORDS__", words)


NO_CHAT = {
    "en": ("No chat here", "There is no chat on queue {queue} here: check the link you were given."),
    "fr": ("Pas de discussion ici", "La file {queue} n’offre pas de discussion ici : vérifiez le lien reçu."),
}
"""The page served instead of the widget for a queue that is not a chat queue (unknown, voice or email)."""


def no_chat_page(queue: str, accept_language: str | None) -> str:
    """A short page in the browser's language saying that ``queue`` (escaped: it is what the visitor typed)
    offers no chat."""
    lang = page_language(accept_language)
    title, sentence = NO_CHAT[lang]
    shown = html.escape(repr(queue[:80]) if queue else "''")
    return (f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'</head><body><h1>{html.escape(title)}</h1><p>{html.escape(sentence).replace("{queue}", shown)}</p>'
            f"</body></html>\n")
