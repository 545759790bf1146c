export { createGraph, type Graph, type GraphOptions } from './graph';
export { loadConfig, ConfigError, type GraphConfig } from './config';
export { printSortedSchema, schema } from './graphql-schema';
