// Step 5 (in Redis): one EVALSHA per batch of events does duplicate suppression, the stream append, dead letters
// and the cursor in one atomic step. Redis runs a script as a unit and writes its effects to the AOF as one
// MULTI/EXEC, so after a crash either the whole batch (entry + dedup marks + dead letters + cursor) is there or
// none of it. The events of a batch become ONE stream entry (fields: stream-entry.ts).
//
// KEYS: 1 stream, 2 cursor hash, 3 dead-letter stream, 4 append sequence, 5 buffered-events counter,
//       6.. one dedup key per item
// ARGV: 1 expected sequence, 2 dedup window (s), 3 cursor time_us ('' = unchanged), 4 cursor url,
//       5 v2 cursor ('' = none), 6 dead-letter max length, 7 the JSON lines of the 'r' items, then 5 per item:
//       'r' - raw-bytes rows -        an accepted event (kept unless its dedup key exists), in line order
//       'd' reason detail raw at      a rejected event (dead-lettered unless its dedup key exists: once)
// Returns { appended events, duplicates, buffered events, entry id ('' = none), then reason and detail of each
// dead letter written now (a replayed bad event finds its dedup key set and is neither written nor returned) }.
import { ENTRY_FIELDS as F } from './stream-entry';

export const APPEND_SCRIPT = `
local seq = tonumber(redis.call('GET', KEYS[4]) or '0')
if seq ~= tonumber(ARGV[1]) then
  return redis.error_reply('STALESEQ append sequence is ' .. seq .. ', batch expected ' .. ARGV[1])
end
redis.call('SET', KEYS[4], seq + 1)
local window = ARGV[2]
local kept, skip, raw, rows, dupes = 0, {}, 0, 0, 0
local dead = {}
local i = 1
local ordinal = 0
local a = 8
while a + 4 <= #ARGV do
  local t = ARGV[a]
  if redis.call('SET', KEYS[5 + i], '1', 'NX', 'EX', window) then
    if t == 'r' then
      ordinal = ordinal + 1
      kept = kept + 1
      raw = raw + tonumber(ARGV[a + 2])
      rows = rows + tonumber(ARGV[a + 3])
    else
      redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'reason', ARGV[a + 1], 'detail', ARGV[a + 2], 'raw', ARGV[a + 3], 'at', ARGV[a + 4])
      dead[#dead + 1] = ARGV[a + 1]
      dead[#dead + 1] = ARGV[a + 2]
    end
  elseif t == 'r' then
    skip[#skip + 1] = ordinal
    ordinal = ordinal + 1
    dupes = dupes + 1
  end
  i = i + 1
  a = a + 5
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
