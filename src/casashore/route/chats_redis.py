"""Chat transcripts in Redis, shared by every node of a centre (``route serve --redis``): a chat started through one
node is read and written through any other, by its customer's widget and by the agent's desk alike.

Keys, under the centre's hash tag (``cs:{centre}:``, the routing state's, so one script sees them together):
  tx:<id> (hash)        digest (SHA-256 of the secret), queue, seq (messages so far), last_customer_at, ended,
                        ended_at, notice (the last notice to the customer and its time: given once)
  tx:<id>:log (list)    the messages as JSON, oldest first; capped at the chat's ``max_messages`` (+ the end's
                        notice), each message at most ``message_chars`` characters: at most ~4 bytes x 4,000 x
                        10,001 per chat, 200 x 1,000 characters by default
  chats:seen (zset)     open chats scored by when their customer was last seen (the leave rule)
  chats:active (zset)   open chats scored by their last message (the idle rule)
Both keys of a chat expire (``KEEP_ENDED_S`` after its end; ``idle_s`` + ``KEEP_ENDED_S`` after its last write
while open, so a chat no node ends — every node gone — still goes). A message is added by one script: ended,
full and too-frequent checks, the counter, the push and the idle score in one atomic step, whichever node asks.
"""

from __future__ import annotations

import json

import redis

from casashore.route.chats import KEEP_ENDED_S, ChatLimits, ChatRefused, new_secret, same_secret

POST = """
local tx, log, active, seen = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local author, text, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local max_messages, min_interval, ttl = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local chat_id = ARGV[7]
local h = redis.call('HMGET', tx, 'ended', 'seq', 'last_customer_at')
if h[1] and h[1] ~= '' then return {'ended'} end
local seq = tonumber(h[2] or '0')
if seq >= max_messages then return {'full'} end
if author == 'customer' then
  if h[3] and h[3] ~= '' and now - tonumber(h[3]) < min_interval then return {'fast'} end
  redis.call('HSET', tx, 'last_customer_at', ARGV[3])
  redis.call('ZADD', seen, now, chat_id)
end
seq = seq + 1
local message = cjson.encode({seq = seq, t = now, from = author, text = text})
redis.call('HSET', tx, 'seq', seq)
redis.call('RPUSH', log, message)
redis.call('LTRIM', log, -(max_messages + 1), -1)
redis.call('ZADD', active, now, chat_id)
redis.call('EXPIRE', tx, ttl)
redis.call('EXPIRE', log, ttl)
return {'ok', message}
"""

CLOSE = """
local tx, log, active, seen = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local why, now, keep, chat_id = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
if redis.call('EXISTS', tx) == 0 then return 0 end
local ended = redis.call('HGET', tx, 'ended')
if ended and ended ~= '' then return 0 end
local seq = tonumber(redis.call('HGET', tx, 'seq') or '0') + 1
redis.call('HSET', tx, 'ended', why, 'ended_at', ARGV[2], 'seq', seq)
redis.call('RPUSH', log, cjson.encode({seq = seq, t = now, from = 'system', text = '', ended = why}))
redis.call('ZREM', active, chat_id)
redis.call('ZREM', seen, chat_id)
redis.call('EXPIRE', tx, keep)
redis.call('EXPIRE', log, keep)
return 1
"""

NOTICE = """
local tx, log = KEYS[1], KEYS[2]
local notice, now, max_messages, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local h = redis.call('HMGET', tx, 'ended', 'seq', 'notice')
if h[2] == false or (h[1] and h[1] ~= '') then return 0 end
local seq = tonumber(h[2])
if seq >= max_messages or h[3] == notice .. '@' .. ARGV[2] then return 0 end
seq = seq + 1
redis.call('HSET', tx, 'seq', seq, 'notice', notice .. '@' .. ARGV[2])
redis.call('RPUSH', log, cjson.encode({seq = seq, t = now, from = 'system', text = '', notice = notice}))
redis.call('EXPIRE', tx, ttl)
redis.call('EXPIRE', log, ttl)
return 1
"""
"""A notice to the customer (MemoryChats.notice): once per notice and time, whichever node heard the event first
(the last one's name and time kept in ``tx:<id>``'s ``notice``)."""


class RedisChats:
    """The centre's transcripts in Redis; the same interface as ``MemoryChats``."""

    def __init__(self, client: redis.Redis, prefix: str, limits: ChatLimits) -> None:
        """``prefix``: the centre's key prefix (the shared router's ``cs:{centre}:``)."""
        self.client, self.prefix, self.limits = client, prefix, limits
        self._post, self._close = client.register_script(POST), client.register_script(CLOSE)
        self._notice = client.register_script(NOTICE)
        self._ttl = int(limits.idle_s + KEEP_ENDED_S)

    def _keys(self, chat_id: str) -> list[str]:
        p = self.prefix
        return [f"{p}tx:{chat_id}", f"{p}tx:{chat_id}:log", p + "chats:active", p + "chats:seen"]

    def start(self, chat_id: str, queue: str, text: str, now: float) -> str:
        if self.client.zcard(self.prefix + "chats:seen") >= self.limits.open_max:
            raise ChatRefused(503, f"too many chats open ({self.limits.open_max}): try again later")
        secret, stored = new_secret()
        tx, log, active, seen = self._keys(chat_id)
        message = json.dumps({"seq": 1, "t": now, "from": "customer", "text": text})
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(tx, mapping={"digest": stored, "queue": queue, "seq": 1, "last_customer_at": repr(now)})
        pipe.rpush(log, message)
        pipe.zadd(seen, {chat_id: now})
        pipe.zadd(active, {chat_id: now})
        pipe.expire(tx, self._ttl)
        pipe.expire(log, self._ttl)
        pipe.execute()
        return secret

    def exists(self, chat_id: str) -> bool:
        return bool(self.client.exists(self._keys(chat_id)[0]))

    def is_customer(self, chat_id: str, secret: str) -> bool:
        stored = self.client.hget(self._keys(chat_id)[0], "digest")
        return stored is not None and same_secret(stored, secret)

    def post(self, chat_id: str, author: str, text: str, now: float) -> dict:
        limits = self.limits
        answer = self._post(keys=self._keys(chat_id), args=[author, text, repr(now), limits.max_messages,
                                                             repr(limits.min_interval_s), self._ttl, chat_id])
        if answer[0] == "ended":
            raise ChatRefused(409, f"chat {chat_id} has ended")
        if answer[0] == "full":
            raise ChatRefused(429, f"chat {chat_id} holds its {limits.max_messages} messages: no more")
        if answer[0] == "fast":
            raise ChatRefused(429, f"one message per {limits.min_interval_s:g} s")
        return json.loads(answer[1])

    def read(self, chat_id: str, after: int) -> tuple[list[dict], str | None]:
        tx, log, _, _ = self._keys(chat_id)
        pipe = self.client.pipeline(transaction=True)
        pipe.lrange(log, 0, -1)
        pipe.hget(tx, "ended")
        raw, ended = pipe.execute()
        messages = [m for m in map(json.loads, raw) if m["seq"] > after]
        return messages, ended or None

    def seen(self, chat_ids, now: float) -> None:
        ids = list(chat_ids)
        if ids:  # XX: only chats still open (an ended one has left the set)
            self.client.zadd(self.prefix + "chats:seen", dict.fromkeys(ids, now), xx=True)

    def close(self, chat_id: str, why: str, now: float) -> bool:
        return bool(self._close(keys=self._keys(chat_id), args=[why, repr(now), int(KEEP_ENDED_S), chat_id]))

    def notice(self, chat_id: str, notice: str, now: float) -> bool:
        return bool(self._notice(keys=self._keys(chat_id)[:2],
                                 args=[notice, repr(now), self.limits.max_messages, self._ttl]))

    def forget(self, chat_id: str) -> None:
        pipe = self.client.pipeline(transaction=True)
        for key in self._keys(chat_id)[:2]:
            pipe.delete(key)
        for key in self._keys(chat_id)[2:]:
            pipe.zrem(key, chat_id)
        pipe.execute()

    def due(self, now: float) -> list[tuple[str, str]]:
        p, limits = self.prefix, self.limits
        pipe = self.client.pipeline(transaction=False)
        pipe.zrangebyscore(p + "chats:seen", "-inf", now - limits.leave_grace_s, start=0, num=500)
        pipe.zrangebyscore(p + "chats:active", "-inf", now - limits.idle_s, start=0, num=500)
        left, idle = pipe.execute()
        gone = set(left)
        return [(chat_id, "left") for chat_id in left] + [(chat_id, "idle") for chat_id in idle
                                                          if chat_id not in gone]
