"""An independent checker of the router's event log: it knows nothing of the router's code, only the meaning
of its events (offered, withdrawn, answered, ended, rejected), and reports every broken promise."""

from collections import defaultdict


def replay(events) -> list[str]:
    """Problems found by reading the log alone."""
    problems = []
    offered_to: dict[str, str] = {}
    holding: dict[str, str] = {}
    connected: dict[str, str] = {}
    outcomes = defaultdict(int)
    for _, event, subject, detail in events:
        if event == "offered":
            call, agent = subject, detail
            if call in offered_to:
                problems.append(f"{call} offered to {agent} while offered to {offered_to[call]}")
            if agent in holding:
                problems.append(f"{agent} offered {call} while holding {holding[agent]}")
            offered_to[call], holding[agent] = agent, call
        elif event == "withdrawn":
            agent = detail.split(":")[0]
            offered_to.pop(subject, None)
            holding.pop(agent, None)
        elif event == "answered":
            connected[subject] = offered_to.pop(subject, None)
            if connected[subject] != detail:
                problems.append(f"{subject} answered by {detail}, offered to {connected[subject]}")
        elif event == "ended":
            outcomes[subject] += 1
            agent = offered_to.pop(subject, None) or connected.pop(subject, None)
            if agent is not None:
                holding.pop(agent, None)
        elif event == "rejected":
            outcomes[subject] += 1
    problems += [f"{call} ended {n} times" for call, n in outcomes.items() if n > 1]
    return problems
