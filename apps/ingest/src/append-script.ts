// One EVALSHA per batch of events: duplicate suppression, the stream append, dead letters and the cursor in one
// atomic step. Redis runs a script as a unit and writes its effects to the AOF as one MULTI/EXEC, so after a
// crash either the whole batch (entry + dedup marks + cursor) is there or none of it.
//
// The events of a batch become ONE stream entry: m = the raw Jetstream messages of the accepted events joined by
// '\n' (as received; they were validated on receipt), s = the ordinals (0-based, among the 'r' items) of the
// messages that turned out to be replays. The blob is passed through untouched: re-serialising rows cost the
// receive path more than decoding, and the flusher (a worker thread) decodes again anyway. Per-event XADDs cost
// Redis more than the rest of the script together, and the flusher reads a few hundred entries instead of
// hundreds of thousands. File names still come from entry ids. (Entries written by older versions carry
// r = JSON array of each event's rows array instead of m; the flusher reads both.)
//
// KEYS: 1 stream, 2 cursor hash, 3 dead-letter stream, 4 append sequence, 5 buffered-events counter,
//       6.. one dedup key per item
// ARGV: 1 expected sequence, 2 dedup window (s), 3 cursor time_us ('' = unchanged), 4 cursor url,
//       5 v2 cursor ('' = none), 6 dead-letter max length, 7 the messages blob, then 5 per item:
//       'r' - raw-bytes rows -            an accepted event (kept unless its dedup key exists), in blob order
//       'd' reason detail raw at          a rejected but identifiable event (dead-lettered once)
//       'x' reason detail raw at          an undecodable message (always dead-lettered)
// Returns { appended events, duplicates, buffered events }.
export const APPEND_SCRIPT = `
local seq = tonumber(redis.call('GET', KEYS[4]) or '0')
if seq ~= tonumber(ARGV[1]) then
  return redis.error_reply('STALESEQ append sequence is ' .. seq .. ', batch expected ' .. ARGV[1])
end
redis.call('SET', KEYS[4], seq + 1)
local window = ARGV[2]
local kept, skip, raw, rows, dupes = 0, {}, 0, 0, 0
local i = 1
local ordinal = 0
local a = 8
while a + 4 <= #ARGV do
  local t = ARGV[a]
  if t == 'x' or redis.call('SET', KEYS[5 + i], '1', 'NX', 'EX', window) then
    if t == 'r' then
      ordinal = ordinal + 1
      kept = kept + 1
      raw = raw + tonumber(ARGV[a + 2])
      rows = rows + tonumber(ARGV[a + 3])
    else
      redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'reason', ARGV[a + 1], 'detail', ARGV[a + 2], 'raw', ARGV[a + 3], 'at', ARGV[a + 4])
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
if kept > 0 then
  redis.call('XADD', KEYS[1], '*', 'm', ARGV[7], 's', table.concat(skip, ','), 'n', raw, 'c', rows, 'e', kept)
  buffered = redis.call('INCRBY', KEYS[5], kept)
else
  buffered = tonumber(redis.call('GET', KEYS[5]) or '0')
end
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[2], 'time_us', ARGV[3], 'url', ARGV[4], 'cursor', ARGV[5])
end
return { kept, dupes, buffered }
`;
