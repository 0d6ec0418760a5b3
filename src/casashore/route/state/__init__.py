"""The routing state: who waits, who is free, who takes which call. ``core.Router`` keeps it in memory (one
node); ``redis_router`` and ``shared_router`` keep the same state under the same rules in Redis (several nodes
of one centre); ``call_ids`` is how all of them name a call. Nothing here speaks SIP or HTTP."""
