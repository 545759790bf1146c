// One EVALSHA per batch of events: duplicate suppression, the stream append, dead letters and the cursor in one
// atomic step. Redis runs a script as a unit and writes its effects to the AOF as one MULTI/EXEC, so after a
// crash either the whole batch (entries + dedup marks + cursor) is there or none of it.
//
// KEYS: 1 stream, 2 cursor hash, 3 dead-letter stream, 4 append sequence, 5.. one dedup key per item
// ARGV: 1 expected sequence, 2 dedup window (s), 3 cursor time_us ('' = unchanged), 4 cursor url,
//       5 v2 cursor ('' = none), 6 dead-letter max length, then 5 per item:
//       'r' rows-json raw-bytes rows -      an accepted event (appended unless its dedup key exists)
//       'd' reason detail raw at            a rejected but identifiable event (dead-lettered once)
//       'x' reason detail raw at            an undecodable message (always dead-lettered)
// Returns { appended, duplicates, stream length }.
export const APPEND_SCRIPT = `
local seq = tonumber(redis.call('GET', KEYS[4]) or '0')
if seq ~= tonumber(ARGV[1]) then
  return redis.error_reply('STALESEQ append sequence is ' .. seq .. ', batch expected ' .. ARGV[1])
end
redis.call('SET', KEYS[4], seq + 1)
local window = ARGV[2]
local appended, dupes = 0, 0
local i = 1
local a = 7
while a + 4 <= #ARGV do
  local t = ARGV[a]
  if t == 'x' or redis.call('SET', KEYS[4 + i], '1', 'NX', 'EX', window) then
    if t == 'r' then
      redis.call('XADD', KEYS[1], '*', 'r', ARGV[a + 1], 'n', ARGV[a + 2], 'c', ARGV[a + 3])
      appended = appended + 1
    else
      redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'reason', ARGV[a + 1], 'detail', ARGV[a + 2], 'raw', ARGV[a + 3], 'at', ARGV[a + 4])
    end
  elseif t == 'r' then
    dupes = dupes + 1
  end
  i = i + 1
  a = a + 5
end
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[2], 'time_us', ARGV[3], 'url', ARGV[4], 'cursor', ARGV[5])
end
return { appended, dupes, redis.call('XLEN', KEYS[1]) }
`;
