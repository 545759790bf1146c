// `npm run sim -- …`: the simulator as a process. Parses flags, starts the server, logs one line, stops on
// SIGINT/SIGTERM.

import { parseArgs } from 'node:util';
import { startJetstreamSim } from './server';
import type { SourceSpec } from './sources';
import { DEFAULT_START_TIME_US, DEFAULT_STEP_US, generateEvents } from './synthetic/firehose';

const HELP = `jetstream-sim: a Jetstream-compatible WebSocket server (ws://HOST:PORT/subscribe)

Usage:
  npm run sim -- --replay FILE.jsonl [--rate N] [--port N]
  npm run sim -- --synthetic [--count N] [--rate N] [--seed N] [--port N]
  npm run sim -- --synthetic --count N --dump        (print the events as JSONL and exit)

Source (one of):
  --replay FILE      a JSONL capture, served in time_us order; without a cursor a subscriber starts at the
                     beginning
  --synthetic        a deterministic synthetic firehose (same seed → same bytes)
    --count N        number of events; 0 or absent → endless
    --seed N         PRNG seed (default 1)
    --start-time T   time_us of the first event: µs, or an ISO date (default 2026-05-25T00:00:00Z)
    --step-us N      mean µs between events (default: 1e6 / --rate, so event time keeps pace with the wall
                     clock; ${DEFAULT_STEP_US} without a rate)
    --authors N      author pool size (default 20000)

Options:
  --rate N           events per second (before filtering); 0 → as fast as the socket takes (default 0).
                     Synthetic with a rate: one live clock; a subscriber without cursor starts "now".
                     Otherwise a subscriber without cursor starts at the first event.
  --port N           default 6008 (0 → any free port)
  --host H           default 127.0.0.1 (0.0.0.0 to serve other machines / containers)
  --drop-every N     cut each connection abruptly after it has sent N events
  --oversized-every N  pad every Nth message of the source to --oversized-bytes (default 17 MiB), the same
                     message on every replay (a fault for the client's message-size limit)
  --ignore-max-message-size  send messages over a subscriber's maxMessageSizeBytes anyway (a host without it)
  --dump             write the source's events to stdout as JSONL instead of serving (synthetic needs --count)
  -h, --help

Subscribers use Jetstream's query parameters: wantedCollections (exact or prefix.*), wantedDids, cursor
(time_us, inclusive), maxMessageSizeBytes. compress is ignored (frames are plain JSON text).`;

function integer(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${value}`);
  return n;
}

function startTime(value: string | undefined): number {
  if (value === undefined) return DEFAULT_START_TIME_US;
  if (/^\d+$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`--start-time must be µs or an ISO date, got ${value}`);
  return ms * 1000;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      replay: { type: 'string' },
      synthetic: { type: 'boolean' },
      count: { type: 'string' },
      rate: { type: 'string' },
      seed: { type: 'string' },
      'start-time': { type: 'string' },
      'step-us': { type: 'string' },
      authors: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'drop-every': { type: 'string' },
      'oversized-every': { type: 'string' },
      'oversized-bytes': { type: 'string' },
      'ignore-max-message-size': { type: 'boolean' },
      dump: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (Boolean(values.replay) === Boolean(values.synthetic)) {
    console.error('jetstream-sim: give exactly one of --replay FILE or --synthetic (see --help)');
    return 2;
  }
  const rate = integer(values.rate, 'rate', 0);
  const seed = values.seed === undefined ? 1 : /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed;
  const synthetic = {
    seed,
    count: integer(values.count, 'count', 0),
    startTimeUs: startTime(values['start-time']),
    // A paced firehose whose event clock runs at the wall clock's speed (the demo's lag metric stays ~0).
    stepUs: integer(
      values['step-us'],
      'step-us',
      rate > 0 ? Math.max(1, Math.round(1_000_000 / rate)) : DEFAULT_STEP_US,
    ),
    authors: integer(values.authors, 'authors', 20_000),
  };
  const source: SourceSpec = values.replay
    ? { kind: 'replay', file: values.replay, rate }
    : { kind: 'synthetic', ...synthetic, rate };

  if (values.dump) {
    if (source.kind !== 'synthetic' || synthetic.count === 0) {
      console.error('jetstream-sim: --dump needs --synthetic with a --count');
      return 2;
    }
    for (const e of generateEvents(synthetic)) {
      if (!process.stdout.write(e.json + '\n')) await new Promise((r) => process.stdout.once('drain', r));
    }
    return 0;
  }

  const sim = await startJetstreamSim({
    source,
    port: integer(values.port, 'port', 6008),
    host: values.host ?? '127.0.0.1',
    dropEveryN: values['drop-every'] === undefined ? undefined : integer(values['drop-every'], 'drop-every', 0),
    oversized:
      values['oversized-every'] === undefined
        ? undefined
        : {
            every: integer(values['oversized-every'], 'oversized-every', 0),
            bytes: integer(values['oversized-bytes'], 'oversized-bytes', 17 * 1024 * 1024),
          },
    honorMaxMessageSize: !values['ignore-max-message-size'],
    log: (line) => console.error(`jetstream-sim: ${line}`),
  });
  const what =
    source.kind === 'replay'
      ? `replay ${source.file}`
      : `synthetic seed=${String(seed)} count=${synthetic.count || 'endless'} start=${new Date(synthetic.startTimeUs / 1000).toISOString()}`;
  console.log(`jetstream-sim listening on ${sim.subscribeUrl} (${what}, rate=${rate || 'max'})`);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.stop();
  const s = sim.stats;
  console.log(`jetstream-sim stopped: ${s.connectionsAccepted} connections, ${s.eventsSent} events sent`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`jetstream-sim: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
