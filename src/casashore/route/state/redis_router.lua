-- casashore's routing decisions inside Redis: every operation is one script, so a reservation (a call offered to
-- one agent, the agent taken out of every free list) is atomic across all router nodes sharing the server.
-- The same rules as src/casashore/route/state/core.py (tests/test_route_redis.py checks they log the same events).
--
-- Keys, all under one hash tag per centre (KEYS[1] = "cs:{centre}:"): a multi-skilled agent links the centre's
-- queues, so a reservation must see them together; a Redis Cluster spreads centres, not one centre's queues.
--   config (hash)               offer_timeout_s, wrap_up_s, max_missed, selection, voice_with_chats, email_capacity
--   queues (zset, score 0)      queue names;  queue:<name> (hash) skill, relax_after_s, max_waiting, best_level,
--                               channel (voice, chat, email), max_sessions
--   waiting:<queue> (zset)      call ids, score (9 - priority) * 1e10 + arrival: priority, then age (dispatch
--                               ranks the channel first across queues: RANK)
--   free<ch>:<skill>:<level>    (zset) the agents who may be offered one more of channel <ch> ('' voice, 'chat',
--                               'email'; core.Router.load) with that skill level, score sessions held * 1e10 +
--                               idle_since: the least loaded, then the longest idle first (a voice agent's load
--                               is 0: the score is idle_since)
--   free<ch>:<skill> (zset)     the same for every level: "anyone free for this skill?" in one look
--   sessions:<agent> (hash)     the chat sessions and email items offered to or held by the agent -> channel
--   agent:<id> (hash)           skills "fr:1,es:2", status, reason, state, idle_since, calls_handled, missed,
--                               call_id, wrap_up_until, missed_call (the last offer let time out);  agents (zset, score 0) every agent id
--   call:<id> (hash)            queue, arrived_at, priority, state, outcome, agent_id, offered_at, answered_at,
--                               ended_at, callback_number, node, channel, trunk_call_id (the trunk's Call-ID: data;
--                               <id> is the router's id, safe characters, call_ids.py), recording (the file
--                               the media engine records it to), first_answered_at and handled_s (a session
--                               requeued when its agent logged off: core.Call's)
--   offers (zset)               offered call ids by offer time (timeouts);  wrapups (zset) agents by end of wrap-up
--   live:<node> (set)           the calls a node brought in that have not ended (reaped if the node dies)
--   members (set), node:<name>  the nodes that joined; each one's heartbeat key, expiring unless renewed
--   events (stream)             t, e (event), s (subject), d (detail), n (node)
local P = KEYS[1]
local NODE = ARGV[1]
local NOW = tonumber(ARGV[2])
local OFFERS = {}  -- "call agent" of every offer this operation made, returned to the node that asked

local function num(x)
  return string.format('%.17g', x)
end

local function log(event, subject, detail)
  redis.call('XADD', P .. 'events', 'MAXLEN', '~', '1000000', '*', 't', num(NOW), 'e', event, 's', subject,
             'd', detail, 'n', NODE)
end

local QUEUES = nil  -- {name, skill, relax_after_s, best_level, channel, max_sessions} of every queue, read once
local function queues()
  if QUEUES == nil then
    QUEUES = {}
    for _, name in ipairs(redis.call('ZRANGE', P .. 'queues', 0, -1)) do
      local q = redis.call('HMGET', P .. 'queue:' .. name, 'skill', 'relax_after_s', 'best_level', 'channel',
                           'max_sessions')
      QUEUES[#QUEUES + 1] = {name, q[1], q[2], q[3], q[4] or 'voice', tonumber(q[5] or '1')}
    end
  end
  return QUEUES
end

local CONFIG = nil
local function config(field)  -- read once per operation
  if CONFIG == nil then
    CONFIG = {}
    local flat = redis.call('HGETALL', P .. 'config')
    for i = 1, #flat, 2 do CONFIG[flat[i]] = flat[i + 1] end
  end
  return CONFIG[field]
end

local function skills_of(agent)
  local skills = {}
  for skill, level in string.gmatch(redis.call('HGET', P .. 'agent:' .. agent, 'skills'), '([^:,]+):(%d+)') do
    skills[#skills + 1] = {skill, level}
  end
  return skills
end

local CHANNEL_KEY = {voice = 'free', chat = 'freechat', email = 'freeemail'}
local LOAD_SCALE = 1e10  -- score = sessions held * LOAD_SCALE + idle_since

-- The blending rule, as core.Router.load (change both together): the sessions of the channel the agent holds
-- when it may be offered one more, nil when it may not.
local function load(agent, a, channel)  -- a: {status, state}
  if a[1] ~= 'available' or a[2] ~= 'idle' then return nil end
  local held = {chat = 0, email = 0}
  for _, ch in ipairs(redis.call('HVALS', P .. 'sessions:' .. agent)) do held[ch] = held[ch] + 1 end
  if channel == 'voice' then
    if config('voice_with_chats') == '1' or held.chat == 0 then return 0 end
    return nil
  end
  if channel == 'chat' then
    if held.email == 0 then return held.chat end
    return nil
  end
  if held.chat == 0 and held.email < tonumber(config('email_capacity') or '1') then return held.email end
  return nil
end

-- Keep the free lists in step with an agent's status, state, idle time and sessions.
local function refresh(agent)
  local a = redis.call('HMGET', P .. 'agent:' .. agent, 'status', 'state', 'idle_since')
  for channel, prefix in pairs(CHANNEL_KEY) do
    local held = load(agent, a, channel)
    for _, sl in ipairs(skills_of(agent)) do
      for _, key in ipairs({P .. prefix .. ':' .. sl[1] .. ':' .. sl[2], P .. prefix .. ':' .. sl[1]}) do
        if held ~= nil then
          redis.call('ZADD', key, num(held * LOAD_SCALE + tonumber(a[3])), agent)
        else
          redis.call('ZREM', key, agent)
        end
      end
    end
  end
end

-- Sessions of a channel an agent may hold when offered one of a queue (core.Router.capacity).
local function capacity(channel, max_sessions)
  if channel == 'chat' then return max_sessions end
  if channel == 'email' then return tonumber(config('email_capacity') or '1') end
  return 1
end

-- The top (agent, score) of a free list when its load is below the capacity; nil otherwise.
local function top_under(key, cap)
  local top = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if top[1] and tonumber(top[2]) < cap * LOAD_SCALE then return top[1], tonumber(top[2]) end
  return nil
end

-- Serving order, as core.Router._call_order (higher priority first, then older): change both together.
local function order_score(priority, arrived)
  return (9 - priority) * 1e10 + arrived
end

-- The agent the selection rule picks among the free agents with the skill at level <= max_level (nil: any
-- level); nil when there is none. Longest idle: the smallest (idle_since, agent id), as the sorted sets order.
-- A second writing of core.Router._choose's longest_idle and best_proficiency (Lua runs inside Redis, Python
-- cannot): change both together.
local function pick(free, skill, max_level, cap)  -- free: the channel's key prefix ('free', 'freechat' ...)
  if config('selection') == 'best_proficiency' then
    for level = 1, max_level or 9 do
      local top = top_under(P .. free .. ':' .. skill .. ':' .. level, cap)
      if top then return top end
    end
    return nil
  end
  if max_level == nil then
    return top_under(P .. free .. ':' .. skill, cap)
  end
  local best, best_score = nil, nil
  for level = 1, max_level do
    local top, score = top_under(P .. free .. ':' .. skill .. ':' .. level, cap)
    if top then
      if best == nil or score < best_score or (score == best_score and top < best) then
        best, best_score = top, score
      end
    end
  end
  return best
end

-- The queue's first call (serving order) a free agent may take, with that agent; nil when none.
local function first_servable(queue, q)  -- q: {skill, relax_after_s, best_level, channel, max_sessions}
  local free, cap = CHANNEL_KEY[q[4]], capacity(q[4], q[5])
  if not top_under(P .. free .. ':' .. q[1], cap) then
    return nil
  end
  local waiting = P .. 'waiting:' .. queue
  local head = redis.call('ZRANGE', waiting, 0, 0)[1]
  if q[2] == false or q[2] == '' then
    return head, pick(free, q[1], nil, cap)
  end
  local relaxed_before = NOW - tonumber(q[2])
  local best = pick(free, q[1], tonumber(q[3]), cap)
  if best then  -- the head can be served: by the best levels, or by anyone once it has waited long enough
    if tonumber(redis.call('HGET', P .. 'call:' .. head, 'arrived_at')) <= relaxed_before then
      return head, pick(free, q[1], nil, cap)
    end
    return head, best
  end
  -- Only lower levels are free: the first call that waited long enough, one look per priority level.
  local call = head
  while call do
    local c = redis.call('HMGET', P .. 'call:' .. call, 'arrived_at', 'priority')
    if tonumber(c[1]) <= relaxed_before then
      return call, pick(free, q[1], nil, cap)
    end
    local next_level = (9 - tonumber(c[2]) + 1) * 1e10
    call = redis.call('ZRANGEBYSCORE', waiting, next_level, '+inf', 'LIMIT', 0, 1)[1]
  end
  return nil
end

local function offer(call, agent)
  local c = redis.call('HMGET', P .. 'call:' .. call, 'queue', 'channel')
  redis.call('ZREM', P .. 'waiting:' .. c[1], call)
  redis.call('HSET', P .. 'call:' .. call, 'state', 'offered', 'agent_id', agent, 'offered_at', num(NOW))
  if c[2] == 'chat' or c[2] == 'email' then
    redis.call('HSET', P .. 'sessions:' .. agent, call, c[2])
  else
    redis.call('HSET', P .. 'agent:' .. agent, 'state', 'offered', 'call_id', call)
  end
  redis.call('ZADD', P .. 'offers', num(NOW), call)
  refresh(agent)
  log('offered', call, agent)
  OFFERS[#OFFERS + 1] = call .. ' ' .. agent
end

local function answer(result)
  return {result, OFFERS}
end

-- Chat before email, as core.CHANNEL_RANK (change both together): a channel's rank in dispatch, before priority
-- and age; email items are offered only when no call or chat a free agent may take is waiting.
local RANK = {voice = 0, chat = 0, email = 1}

-- Dispatch's order across queues, as core.Router._dispatch_order: {rank, waiting score, call id}.
local function before(a, b)
  if a[1] ~= b[1] then return a[1] < b[1] end
  if a[2] ~= b[2] then return a[2] < b[2] end
  return a[3] < b[3]
end

local function dispatch()
  while true do
    local heads = {}
    for _, q in ipairs(queues()) do
      -- a queue none of whose agents is free cannot be served: one look, before reading its head
      if top_under(P .. CHANNEL_KEY[q[5]] .. ':' .. q[2], capacity(q[5], q[6])) then
        local top = redis.call('ZRANGE', P .. 'waiting:' .. q[1], 0, 0, 'WITHSCORES')
        if top[1] then
          heads[#heads + 1] = {RANK[q[5]], tonumber(top[2]), top[1], q[1], {q[2], q[3], q[4], q[5], q[6]}}
        end
      end
    end
    table.sort(heads, before)
    local best_call, best_agent, best_key = nil, nil, nil
    for _, h in ipairs(heads) do
      if best_key and not before(h, best_key) then break end  -- this queue's calls and the next ones come later
      local call, agent = first_servable(h[4], h[5])
      if call then
        local key = {h[1], tonumber(redis.call('ZSCORE', P .. 'waiting:' .. h[4], call)), call}
        if best_key == nil or before(key, best_key) then
          best_call, best_agent, best_key = call, agent, key
        end
        if call == h[3] then break end
      end
    end
    if best_call == nil then return end
    offer(best_call, best_agent)
  end
end

-- Put an offered call back in its queue (its age kept) and free the agent.
local function withdraw(agent, why)
  local call = redis.call('HGET', P .. 'agent:' .. agent, 'call_id')
  local c = redis.call('HMGET', P .. 'call:' .. call, 'queue', 'priority', 'arrived_at')
  redis.call('HSET', P .. 'call:' .. call, 'state', 'waiting', 'agent_id', '')
  redis.call('ZADD', P .. 'waiting:' .. c[1], num(order_score(tonumber(c[2]), tonumber(c[3]))), call)
  redis.call('ZREM', P .. 'offers', call)
  redis.call('HSET', P .. 'agent:' .. agent, 'state', 'idle', 'call_id', '', 'idle_since', num(NOW))
  refresh(agent)
  log('withdrawn', call, agent .. ':' .. why)
end

-- Put an offered chat session or email item back in its queue (its age kept); the agent's other sessions and
-- its voice state are untouched.
local function withdraw_session(agent, call, why)
  local c = redis.call('HMGET', P .. 'call:' .. call, 'queue', 'priority', 'arrived_at')
  redis.call('HSET', P .. 'call:' .. call, 'state', 'waiting', 'agent_id', '')
  redis.call('ZADD', P .. 'waiting:' .. c[1], num(order_score(tonumber(c[2]), tonumber(c[3]))), call)
  redis.call('ZREM', P .. 'offers', call)
  redis.call('HDEL', P .. 'sessions:' .. agent, call)
  refresh(agent)
  log('withdrawn', call, agent .. ':' .. why)
end

-- An accepted session back in its queue when its agent logs off, as core.Router._requeue_session: its age
-- kept, its first answer and the agent's handle time so far on the call.
local function requeue(agent, call, why)
  local c = redis.call('HMGET', P .. 'call:' .. call, 'queue', 'priority', 'arrived_at', 'answered_at',
                       'first_answered_at', 'handled_s')
  local handled = tonumber(c[6] or '0') + (NOW - tonumber(c[4]))
  local first = c[5]
  if not first or first == '' then first = c[4] end
  redis.call('HSET', P .. 'call:' .. call, 'state', 'waiting', 'agent_id', '', 'outcome', '', 'answered_at', '',
             'first_answered_at', first, 'handled_s', num(handled))
  redis.call('ZADD', P .. 'waiting:' .. c[1], num(order_score(tonumber(c[2]), tonumber(c[3]))), call)
  redis.call('HDEL', P .. 'sessions:' .. agent, call)
  refresh(agent)
  log('requeued', call, agent .. ':' .. why)
end

-- The agent's sessions offered and not accepted, oldest offer first, then by id (core's _offered_sessions).
local function offered_sessions(agent)
  local found = {}
  for _, call in ipairs(redis.call('HKEYS', P .. 'sessions:' .. agent)) do
    local c = redis.call('HMGET', P .. 'call:' .. call, 'state', 'offered_at')
    if c[1] == 'offered' then found[#found + 1] = {tonumber(c[2]), call} end
  end
  table.sort(found, function(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end)
  return found
end

local function is_session(channel)
  return channel == 'chat' or channel == 'email'
end

local function missed(agent, call, why)  -- the not-responding rule: withdrawn; max_missed in a row pause
  local count = redis.call('HINCRBY', P .. 'agent:' .. agent, 'missed', 1)
  redis.call('HSET', P .. 'agent:' .. agent, 'missed_call', call)
  local pause = count >= tonumber(config('max_missed'))
  if is_session(redis.call('HGET', P .. 'call:' .. call, 'channel')) then
    withdraw_session(agent, call, why)  -- paused only when idle: a call in progress (voice_with_chats) goes on
    pause = pause and redis.call('HGET', P .. 'agent:' .. agent, 'state') == 'idle'
  else
    withdraw(agent, why)
  end
  if pause then
    redis.call('HSET', P .. 'agent:' .. agent, 'state', 'not_responding')
    refresh(agent)
    log('not_responding', agent, tostring(count) .. ':' .. call)
  end
end

local function end_call(call, outcome)
  local node = redis.call('HGET', P .. 'call:' .. call, 'node')
  redis.call('HSET', P .. 'call:' .. call, 'state', 'ended', 'outcome', outcome, 'ended_at', num(NOW))
  redis.call('EXPIRE', P .. 'call:' .. call, 3600)
  redis.call('SREM', P .. 'live:' .. node, call)
end

--@@ add_agent  ARGV: node, now, agent, skills "fr:1,es:2", skill names for the log
local agent = ARGV[3]
if redis.call('EXISTS', P .. 'agent:' .. agent) == 1 then return redis.error_reply('agent exists') end
redis.call('HSET', P .. 'agent:' .. agent, 'skills', ARGV[4], 'status', 'offline', 'reason', '', 'state', 'idle',
           'idle_since', num(NOW), 'calls_handled', 0, 'missed', 0, 'call_id', '', 'wrap_up_until', 0)
redis.call('ZADD', P .. 'agents', 0, agent)
log('agent_added', agent, ARGV[5])
return answer(1)

--@@ set_status  ARGV: node, now, agent, status, reason
local agent, status = ARGV[3], ARGV[4]
local key = P .. 'agent:' .. agent
local state = redis.call('HGET', key, 'state')
if state == false then return redis.error_reply('no such agent') end
if state == 'offered' then
  withdraw(agent, 'status_change')
  state = 'idle'
end
for _, offered in ipairs(offered_sessions(agent)) do withdraw_session(agent, offered[2], 'status_change') end
if status == 'offline' then  -- logged off: her accepted chats and email items back to their queues, by id
  local held = {}
  for _, call in ipairs(redis.call('HKEYS', P .. 'sessions:' .. agent)) do
    if redis.call('HGET', P .. 'call:' .. call, 'state') == 'connected' then held[#held + 1] = call end
  end
  table.sort(held)
  local why = ARGV[5] ~= '' and ARGV[5] or 'offline'
  for _, call in ipairs(held) do requeue(agent, call, why) end
end
if state == 'not_responding' and status == 'available' then
  redis.call('HSET', key, 'state', 'idle', 'missed', 0, 'missed_call', '')
  state = 'idle'
end
redis.call('HSET', key, 'status', status, 'reason', ARGV[5])
if status == 'available' and state == 'idle' then redis.call('HSET', key, 'idle_since', num(NOW)) end
refresh(agent)
log('status', agent, status .. ':' .. ARGV[5])
dispatch()
return answer(1)

--@@ arrive  ARGV: node, now, call, queue, priority, trunk call id  -> 1 queued, 0 rejected (queue full)
local call, queue, priority = ARGV[3], ARGV[4], tonumber(ARGV[5])
if redis.call('EXISTS', P .. 'queue:' .. queue) == 0 then return redis.error_reply('no such queue') end
if redis.call('EXISTS', P .. 'call:' .. call) == 1 then return redis.error_reply('call exists') end
redis.call('HSET', P .. 'call:' .. call, 'queue', queue, 'arrived_at', num(NOW), 'priority', priority,
           'state', 'waiting', 'outcome', '', 'agent_id', '', 'node', ARGV[1], 'trunk_call_id', ARGV[6],
           'channel', redis.call('HGET', P .. 'queue:' .. queue, 'channel') or 'voice')
local waiting = P .. 'waiting:' .. queue
if redis.call('ZCARD', waiting) >= tonumber(redis.call('HGET', P .. 'queue:' .. queue, 'max_waiting')) then
  end_call(call, 'rejected')
  log('rejected', call, queue)
  return answer(0)
end
redis.call('ZADD', waiting, num(order_score(priority, NOW)), call)
redis.call('SADD', P .. 'live:' .. ARGV[1], call)
log('arrived', call, queue)
dispatch()
return answer(1)

--@@ accept  ARGV: node, now, agent, call  -> 1 answered, 0 the offer is no longer theirs
local agent, call = ARGV[3], ARGV[4]
local a = redis.call('HMGET', P .. 'agent:' .. agent, 'state', 'call_id')
local cs = redis.call('HMGET', P .. 'call:' .. call, 'state', 'channel', 'agent_id')
local c = cs[1]
if is_session(cs[2]) then
  if c ~= 'offered' or cs[3] ~= agent or redis.call('HEXISTS', P .. 'sessions:' .. agent, call) == 0 then
    return answer(0)
  end
  redis.call('HSET', P .. 'agent:' .. agent, 'missed', 0, 'missed_call', '')
  redis.call('HSET', P .. 'call:' .. call, 'state', 'connected', 'outcome', 'answered', 'answered_at', num(NOW))
  redis.call('ZREM', P .. 'offers', call)
  log('answered', call, agent)
  return answer(1)
end
if a[1] ~= 'offered' or a[2] ~= call or c ~= 'offered' then return answer(0) end
redis.call('HSET', P .. 'agent:' .. agent, 'state', 'busy', 'missed', 0, 'missed_call', '')
redis.call('HSET', P .. 'call:' .. call, 'state', 'connected', 'outcome', 'answered', 'answered_at', num(NOW))
redis.call('ZREM', P .. 'offers', call)
log('answered', call, agent)
return answer(1)

--@@ reject  ARGV: node, now, agent, call
local agent, call = ARGV[3], ARGV[4]
local a = redis.call('HMGET', P .. 'agent:' .. agent, 'state', 'call_id')
if a[1] == 'offered' and a[2] == call then
  withdraw(agent, 'rejected_by_agent')
  dispatch()
elseif redis.call('HEXISTS', P .. 'sessions:' .. agent, call) == 1
    and redis.call('HGET', P .. 'call:' .. call, 'state') == 'offered' then
  withdraw_session(agent, call, 'rejected_by_agent')
  dispatch()
end
return answer(1)

--@@ hang_up  ARGV: node, now, call, by (caller or supervisor)
-- A call not yet answered ends 'abandoned' when its caller hung up, 'cleared' when a supervisor ended it.
local call = ARGV[3]
local unanswered = ARGV[4] == 'supervisor' and 'cleared' or 'abandoned'
local c = redis.call('HMGET', P .. 'call:' .. call, 'state', 'queue', 'agent_id', 'outcome', 'channel',
                     'first_answered_at')
if c[1] == false then return redis.error_reply('no such call') end
if c[1] == 'ended' then return answer(0) end
if c[6] and c[6] ~= '' then unanswered = 'answered' end  -- requeued when its agent logged off: it was answered
local outcome = c[4]
if c[1] == 'waiting' then
  redis.call('ZREM', P .. 'waiting:' .. c[2], call)
  outcome = unanswered
elseif is_session(c[5]) then  -- a session offered or held: the agent's other sessions go on
  redis.call('HDEL', P .. 'sessions:' .. c[3], call)
  if c[1] == 'offered' then
    redis.call('ZREM', P .. 'offers', call)
    outcome = unanswered
  else
    redis.call('HINCRBY', P .. 'agent:' .. c[3], 'calls_handled', 1)
  end
  refresh(c[3])
elseif c[1] == 'offered' then
  redis.call('HSET', P .. 'agent:' .. c[3], 'state', 'idle', 'call_id', '', 'idle_since', num(NOW))
  redis.call('ZREM', P .. 'offers', call)
  refresh(c[3])
  outcome = unanswered
elseif c[1] == 'connected' then
  local until_s = NOW + tonumber(config('wrap_up_s'))
  redis.call('HSET', P .. 'agent:' .. c[3], 'state', 'wrap_up', 'call_id', '', 'wrap_up_until', num(until_s))
  redis.call('HINCRBY', P .. 'agent:' .. c[3], 'calls_handled', 1)
  redis.call('ZADD', P .. 'wrapups', num(until_s), c[3])
end
end_call(call, outcome)
log('ended', call, outcome)
dispatch()
return answer(1)

--@@ callback  ARGV: node, now, call, number
local call = ARGV[3]
if redis.call('HGET', P .. 'call:' .. call, 'state') ~= 'waiting' then return answer(0) end
redis.call('HSET', P .. 'call:' .. call, 'callback_number', ARGV[4])
log('callback', call, ARGV[4])
return answer(1)

--@@ recording  ARGV: node, now, call, path  -> 1 kept, 0 the call has ended or is unknown (core.py, set_recording)
local call = ARGV[3]
local state = redis.call('HGET', P .. 'call:' .. call, 'state')
if not state or state == 'ended' then return answer(0) end
redis.call('HSET', P .. 'call:' .. call, 'recording', ARGV[4])
return answer(1)

--@@ miss  ARGV: node, now, agent, call, why  -> 1 withdrawn and counted missed, 0 the offer is no longer theirs
-- The agent's phone did not take the offer (busy, declined, unreachable): as a timeout (core.py, Router.miss).
local agent, call = ARGV[3], ARGV[4]
local a = redis.call('HMGET', P .. 'agent:' .. agent, 'state', 'call_id')
if a[1] ~= 'offered' or a[2] ~= call then return answer(0) end
missed(agent, call, ARGV[5])
dispatch()
return answer(1)

--@@ tick  ARGV: node, now: offers time out (oldest first), wrap-ups end, then calls are offered
local timeout = tonumber(config('offer_timeout_s'))
for _, call in ipairs(redis.call('ZRANGEBYSCORE', P .. 'offers', '-inf', num(NOW - timeout))) do
  missed(redis.call('HGET', P .. 'call:' .. call, 'agent_id'), call, 'timeout')
end
for _, agent in ipairs(redis.call('ZRANGEBYSCORE', P .. 'wrapups', '-inf', num(NOW))) do
  redis.call('ZREM', P .. 'wrapups', agent)
  if redis.call('HGET', P .. 'agent:' .. agent, 'state') == 'wrap_up' then
    redis.call('HSET', P .. 'agent:' .. agent, 'state', 'idle', 'idle_since', num(NOW))
    refresh(agent)
  end
end
dispatch()
return answer(1)


--@@ reap  ARGV: node, now, dead node -> calls ended
-- A node that stopped renewing its heartbeat took its callers' SIP legs with it: its calls still waiting or
-- offered have nobody on the line and are ended (abandoned, with an 'orphaned' event naming the node) so no agent
-- is offered a ghost; calls already connected stay with their agent, who ends them. Idempotent.
local dead = ARGV[3]
if redis.call('EXISTS', P .. 'node:' .. dead) == 1 then return answer(0) end
local ended = 0
for _, call in ipairs(redis.call('SMEMBERS', P .. 'live:' .. dead)) do
  local c = redis.call('HMGET', P .. 'call:' .. call, 'state', 'queue', 'agent_id', 'channel', 'first_answered_at')
  if c[1] == 'waiting' or c[1] == 'offered' then
    local outcome = (c[5] and c[5] ~= '') and 'answered' or 'abandoned'  -- a requeued session was answered once
    if c[1] == 'waiting' then
      redis.call('ZREM', P .. 'waiting:' .. c[2], call)
    elseif is_session(c[4]) then
      redis.call('HDEL', P .. 'sessions:' .. c[3], call)
      redis.call('ZREM', P .. 'offers', call)
      refresh(c[3])
    else
      redis.call('HSET', P .. 'agent:' .. c[3], 'state', 'idle', 'call_id', '', 'idle_since', num(NOW))
      redis.call('ZREM', P .. 'offers', call)
      refresh(c[3])
    end
    log('orphaned', call, dead)
    end_call(call, outcome)
    log('ended', call, outcome)
    ended = ended + 1
  elseif c[1] ~= 'connected' then
    redis.call('SREM', P .. 'live:' .. dead, call)
  end
end
if redis.call('SCARD', P .. 'live:' .. dead) == 0 then redis.call('SREM', P .. 'members', dead) end
dispatch()
return answer(ended)


--@@ adopt  ARGV: node, now, call -> 1 taken over (waiting or offered), 2 taken over after an agent answered it,
--          0 not to be taken over (ended, or not this centre's); its node's heartbeat has not expired yet:
--          -1 the call still rings there, -2 it was answered there
-- A dispatcher in front re-sends a dead node's INVITE to another node: that node becomes the call's owner, the
-- call keeps its place, age and any offer in flight. A call an agent answered through another node's API whose
-- 200 the dead node never sent (the caller would not be re-sent otherwise) is answered by its new owner.
local call = ARGV[3]
local c = redis.call('HMGET', P .. 'call:' .. call, 'state', 'node')
if c[1] ~= 'waiting' and c[1] ~= 'offered' and c[1] ~= 'connected' then return answer(0) end
local taken = c[1] == 'connected' and 2 or 1
if c[2] == ARGV[1] then return answer(taken) end
if redis.call('EXISTS', P .. 'node:' .. c[2]) == 1 then return answer(-taken) end
redis.call('HSET', P .. 'call:' .. call, 'node', ARGV[1])
redis.call('SMOVE', P .. 'live:' .. c[2], P .. 'live:' .. ARGV[1], call)
log('adopted', call, c[2] .. '>' .. ARGV[1])
return answer(taken)
