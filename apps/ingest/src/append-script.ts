// Step 5 (in Redis): one EVALSHA per batch of events does duplicate suppression, the stream append, dead letters
// and the cursor in one atomic step. Redis runs a script as a unit and writes its effects to the AOF as one
// MULTI/EXEC, so after a crash either the whole batch (entry + dedup marks + dead letters + cursor) is there or
// none of it. The events of a batch become ONE stream entry (fields: stream-entry.ts).
//
// Dedup marks: the ids seen in one period of the dedup window are the members of one set (KEYS[6]); an id is a
// replay if the set of this period or of the previous one (KEYS[7]) holds it, so it is remembered for at least
// one window (at most two). A batch costs Redis two SMISMEMBER and one SADD instead of one SET per event (each a
// command dispatched, propagated and written to the AOF): see the README's performance notes.
//
// KEYS: 1 stream, 2 cursor hash, 3 dead-letter stream, 4 append sequence, 5 buffered-events counter,
//       6 dedup set of this period, 7 dedup set of the previous period
// ARGV: 1 expected sequence, 2 dedup window (s), 3 cursor time_us ('' = unchanged), 4 cursor url,
//       5 v2 cursor ('' = none), 6 dead-letter max length, 7 the JSON lines of the accepted items,
//       8 item kinds, one character per item: 'r' an accepted event (kept unless its id was seen), 'd' a rejected
//         one (dead-lettered unless its id was seen: once),
//       9 raw bytes and 10 rows of all 'r' items, 11 'raw,rows,raw,rows,…' per 'r' item (read only to subtract
//       replays, which are rare), 12 the item ids back to back, 13 their byte lengths 'n,n,…' (ids are any text:
//       no separator could be reserved), then 4 per 'd' item: reason detail raw at.
// Everything per item travels in a few arguments, which keeps the client's and Redis's per-argument work small.
// Returns { appended events, duplicates, buffered events, entry id ('' = none), then reason and detail of each
// dead letter written now (a replayed bad event finds its id marked and is neither written nor returned) }.
import { ENTRY_FIELDS as F } from './stream-entry';

export const APPEND_SCRIPT = `
local seq = tonumber(redis.call('GET', KEYS[4]) or '0')
if seq ~= tonumber(ARGV[1]) then
  return redis.error_reply('STALESEQ append sequence is ' .. seq .. ', batch expected ' .. ARGV[1])
end
redis.call('SET', KEYS[4], seq + 1)
local ids, count, at = {}, 0, 1
local blob, sub = ARGV[12], string.sub
for n in string.gmatch(ARGV[13], '%d+') do
  local e = at + n
  count = count + 1
  ids[count] = sub(blob, at, e - 1)
  at = e
end
-- unpack is bounded by Lua's C stack: ask in slices.
local SLICE = 4000
local seen = {}
for s = 1, count, SLICE do
  local e = math.min(s + SLICE - 1, count)
  local now = redis.call('SMISMEMBER', KEYS[6], unpack(ids, s, e))
  local before = redis.call('SMISMEMBER', KEYS[7], unpack(ids, s, e))
  for i = s, e do
    if now[i - s + 1] == 1 or before[i - s + 1] == 1 then seen[ids[i]] = true end
  end
end
local kinds = ARGV[8]
local kept, skip, dupes, fresh = 0, {}, 0, {}
local dead = {}
local ordinal = 0
local a = 14
for i = 1, #kinds do
  local accepted = string.byte(kinds, i) == 114 -- 'r'
  local id = ids[i]
  -- seen[] also holds the ids met earlier in this batch: a message twice in one batch is kept once.
  if not seen[id] then
    seen[id] = true
    fresh[#fresh + 1] = id
    if accepted then
      kept = kept + 1
    else
      redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'reason', ARGV[a], 'detail', ARGV[a + 1], 'raw', ARGV[a + 2], 'at', ARGV[a + 3])
      dead[#dead + 1] = ARGV[a]
      dead[#dead + 1] = ARGV[a + 1]
    end
  elseif accepted then
    skip[#skip + 1] = ordinal
    dupes = dupes + 1
  end
  if accepted then ordinal = ordinal + 1 else a = a + 4 end
end
if #fresh > 0 then
  for s = 1, #fresh, SLICE do
    redis.call('SADD', KEYS[6], unpack(fresh, s, math.min(s + SLICE - 1, #fresh)))
  end
  -- Alive through the next period, when it is the previous one.
  redis.call('EXPIRE', KEYS[6], 2 * tonumber(ARGV[2]))
end
local raw, rows = tonumber(ARGV[9]), tonumber(ARGV[10])
if dupes > 0 then
  local k, s = 0, 1
  for r, n in string.gmatch(ARGV[11], '(%d+),(%d+)') do
    if skip[s] == k then
      raw = raw - tonumber(r)
      rows = rows - tonumber(n)
      s = s + 1
    end
    k = k + 1
  end
end
local buffered
local id = ''
if kept > 0 then
  id = redis.call('XADD', KEYS[1], '*', '${F.rows}', ARGV[7], '${F.skip}', table.concat(skip, ','), '${F.rawBytes}', raw, '${F.rowCount}', rows, '${F.events}', kept)
  buffered = redis.call('INCRBY', KEYS[5], kept)
else
  buffered = tonumber(redis.call('GET', KEYS[5]) or '0')
end
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[2], 'time_us', ARGV[3], 'url', ARGV[4], 'cursor', ARGV[5])
end
return { kept, dupes, buffered, id, unpack(dead) }
`;
