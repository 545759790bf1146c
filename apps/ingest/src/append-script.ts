// One EVALSHA per batch of events: duplicate suppression, the stream append, dead letters and the cursor in one
// atomic step. Redis runs a script as a unit and writes its effects to the AOF as one MULTI/EXEC, so after a
// crash either the whole batch (entry + dedup marks + cursor) is there or none of it.
//
// The events of a batch that are new become ONE stream entry (r = JSON array of each event's rows array):
// per-event XADDs cost Redis more than the rest of the script together, and the flusher reads, parses and
// acknowledges a few hundred entries instead of hundreds of thousands. File names still come from entry ids.
//
// KEYS: 1 stream, 2 cursor hash, 3 dead-letter stream, 4 append sequence, 5 buffered-events counter,
//       6.. one dedup key per item
// ARGV: 1 expected sequence, 2 dedup window (s), 3 cursor time_us ('' = unchanged), 4 cursor url,
//       5 v2 cursor ('' = none), 6 dead-letter max length, then 5 per item:
//       'r' rows-json raw-bytes rows -      an accepted event (kept unless its dedup key exists)
//       'd' reason detail raw at            a rejected but identifiable event (dead-lettered once)
//       'x' reason detail raw at            an undecodable message (always dead-lettered)
// Returns { appended events, duplicates, buffered events }.
export const APPEND_SCRIPT = `
local seq = tonumber(redis.call('GET', KEYS[4]) or '0')
if seq ~= tonumber(ARGV[1]) then
  return redis.error_reply('STALESEQ append sequence is ' .. seq .. ', batch expected ' .. ARGV[1])
end
redis.call('SET', KEYS[4], seq + 1)
local window = ARGV[2]
local parts, raw, rows, dupes = {}, 0, 0, 0
local i = 1
local a = 7
while a + 4 <= #ARGV do
  local t = ARGV[a]
  if t == 'x' or redis.call('SET', KEYS[5 + i], '1', 'NX', 'EX', window) then
    if t == 'r' then
      parts[#parts + 1] = ARGV[a + 1]
      raw = raw + tonumber(ARGV[a + 2])
      rows = rows + tonumber(ARGV[a + 3])
    else
      redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'reason', ARGV[a + 1], 'detail', ARGV[a + 2], 'raw', ARGV[a + 3], 'at', ARGV[a + 4])
    end
  elseif t == 'r' then
    dupes = dupes + 1
  end
  i = i + 1
  a = a + 5
end
local buffered
if #parts > 0 then
  redis.call('XADD', KEYS[1], '*', 'r', '[' .. table.concat(parts, ',') .. ']', 'n', raw, 'c', rows, 'e', #parts)
  buffered = redis.call('INCRBY', KEYS[5], #parts)
else
  buffered = tonumber(redis.call('GET', KEYS[5]) or '0')
end
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[2], 'time_us', ARGV[3], 'url', ARGV[4], 'cursor', ARGV[5])
end
return { #parts, dupes, buffered }
`;
