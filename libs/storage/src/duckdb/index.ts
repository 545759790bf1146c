export {
  DuckDbPool,
  type DuckDbPoolOptions,
  type QueryKind,
  type QueryObservation,
  type StatementObservation,
  type Session,
  type Row,
  type Params,
} from './pool';
export { QueryTimeoutError, PoolClosedError } from './errors';
