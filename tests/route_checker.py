"""An independent checker of the router's event log: it knows nothing of the router's code, only the meaning
of its events (arrived, offered, withdrawn, answered, requeued, ended, rejected), and reports every broken promise.

``channels`` (queue -> (channel, sessions an agent may hold)) extends it to chat and email: an agent then holds
several sessions, never more than the queue allows, never a chat with an email item, and, unless
``voice_with_chats``, never a voice call with a chat. Without it every queue is voice: one call per agent."""

from collections import defaultdict


def replay(events, channels=None, *, voice_with_chats=False, email_capacity=1) -> list[str]:
    """Problems found by reading the log alone."""
    channels = channels or {}
    problems = []
    queue_of: dict[str, str] = {}
    offered_to: dict[str, str] = {}
    holding: dict[str, dict[str, str]] = defaultdict(dict)  # agent -> call -> channel
    connected: dict[str, str] = {}
    outcomes = defaultdict(int)
    for _, event, subject, detail in events:
        if event in ("arrived", "rejected"):
            queue_of[subject] = detail
        if event == "offered":
            call, agent = subject, detail
            channel, limit = channels.get(queue_of.get(call, ""), ("voice", 1))
            held = list(holding[agent].values())
            if call in offered_to:
                problems.append(f"{call} offered to {agent} while offered to {offered_to[call]}")
            if channel == "voice" and ("voice" in held or ("chat" in held and not voice_with_chats)):
                problems.append(f"{agent} offered {call} while holding {sorted(holding[agent])}")
            if channel == "chat" and ("voice" in held or "email" in held or held.count("chat") >= limit):
                problems.append(f"{agent} offered chat {call} while holding {sorted(holding[agent])}")
            if channel == "email" and ("voice" in held or "chat" in held or held.count("email") >= email_capacity):
                problems.append(f"{agent} offered email {call} while holding {sorted(holding[agent])}")
            offered_to[call] = agent
            holding[agent][call] = channel
        elif event == "withdrawn":
            agent = detail.split(":")[0]
            offered_to.pop(subject, None)
            holding[agent].pop(subject, None)
        elif event == "requeued":  # an accepted session back in its queue: its agent logged off
            agent = detail.split(":")[0]
            if connected.pop(subject, None) != agent:
                problems.append(f"{subject} requeued from {agent}, who did not hold it")
            holding[agent].pop(subject, None)
        elif event == "answered":
            connected[subject] = offered_to.pop(subject, None)
            if connected[subject] != detail:
                problems.append(f"{subject} answered by {detail}, offered to {connected[subject]}")
        elif event == "ended":
            outcomes[subject] += 1
            agent = offered_to.pop(subject, None) or connected.pop(subject, None)
            if agent is not None:
                holding[agent].pop(subject, None)
        elif event == "rejected":
            outcomes[subject] += 1
    problems += [f"{call} ended {n} times" for call, n in outcomes.items() if n > 1]
    return problems
