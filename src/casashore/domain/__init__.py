"""The domain vocabulary, defined once: names, time zones, durations, queues, agents and groups, shifts, the
site and its link. The plan scenario (plan/scenario.py), the router's centre file (route/config.py) and the
simulator's scenario (simulate/inputs.py) are built from these models; they add only what their use needs."""
