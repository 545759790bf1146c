// Step 5 (in Redis): one EVALSHA per batch of events does duplicate suppression, the stream append, dead letters
// and the cursor in one atomic step. Redis runs a script as a unit and writes its effects to the AOF as one
// MULTI/EXEC, so after a crash either the whole batch (entry + dedup marks + dead letters + cursor) is there or
// none of it. The events of a batch become ONE stream entry (fields: stream-entry.ts).
//
// KEYS: 1 stream, 2 cursor hash, 3 dead-letter stream, 4 append sequence, 5 buffered-events counter,
//       6.. one dedup key per item
// ARGV: 1 expected sequence, 2 dedup window (s), 3 cursor time_us ('' = unchanged), 4 cursor url,
//       5 v2 cursor ('' = none), 6 dead-letter max length, 7 the JSON lines of the accepted items,
//       8 item kinds, one character per item: 'r' an accepted event (kept unless its dedup key exists), 'd' a
//         rejected one (dead-lettered unless its dedup key exists: once),
//       9 raw bytes and 10 rows of all 'r' items, 11 'raw:rows,raw:rows,…' per 'r' item (read only to subtract
//       replays, which are rare), then 4 per 'd' item: reason detail raw at.
// One argument per event (its key) keeps the client's and Redis's per-argument work small.
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
local kinds = ARGV[8]
local kept, skip, dupes = 0, {}, 0
local dead = {}
local ordinal = 0
local a = 12
for i = 1, #kinds do
  local accepted = string.byte(kinds, i) == 114 -- 'r'
  if redis.call('SET', KEYS[5 + i], '1', 'NX', 'EX', window) then
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
local raw, rows = tonumber(ARGV[9]), tonumber(ARGV[10])
if dupes > 0 then
  local k, s = 0, 1
  for r, n in string.gmatch(ARGV[11], '(%d+):(%d+)') do
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
