// Public API of @bsky-explorer/jetstream-sim: a Jetstream-compatible server for tests, the demo and the
// benchmark, and the synthetic event generator on its own.
export { startJetstreamSim, isMalformedPosition, isOversizedPosition } from './server';
export type { JetstreamSim, JetstreamSimOptions, SimStats } from './server';
export type { SourceSpec } from './sources';
export { parseSubscribeParams, matches, SubscribeParamsError } from './subscribe-params';
export type { SubscribeParams, FilterFacts } from './subscribe-params';
export {
  SyntheticFirehose,
  generateEvents,
  DEFAULT_START_TIME_US,
  DEFAULT_STEP_US,
  DEFAULT_AUTHORS,
  POST_COLLECTION,
} from './synthetic/firehose';
export type {
  SyntheticOptions,
  GenerateOptions,
  SimEvent,
  SimEventType,
  EventMeta,
  JetstreamEventJson,
  JetstreamKind,
  CommitOperation,
} from './synthetic/firehose';
