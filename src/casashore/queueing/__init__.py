"""Queueing formulas for contact centres: Erlang B, C and A, exact in log space, vectorised over numpy arrays.

Units: traffic in Erlangs, times in seconds. See ``docs/capacity.md`` for the formulas and their numerics.
"""

from casashore.queueing.erlang_a import ErlangA, erlang_a, erlang_a_asa
from casashore.queueing.erlang_b import erlang_b, erlang_b_servers, erlang_b_traffic, log_erlang_b
from casashore.queueing.erlang_c import erlang_c, erlang_c_asa, erlang_c_service_level, log_erlang_c, occupancy
from casashore.queueing.staffing import agents_with_shrinkage, queue_measures, required_agents, traffic_erlangs

__all__ = [
    "ErlangA", "erlang_a", "erlang_a_asa", "erlang_b", "erlang_b_servers", "erlang_b_traffic", "log_erlang_b",
    "erlang_c", "erlang_c_asa", "erlang_c_service_level", "log_erlang_c", "occupancy", "agents_with_shrinkage",
    "queue_measures", "required_agents", "traffic_erlangs",
]
