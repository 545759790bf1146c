// What other tools (the soak) reuse: the mixed profile, one level of it, the graph as a child process.
export { buildMix, shapes, type Sample, type Step } from './mix';
export { runLevel } from './run-level';
export { sampleData } from './sample';
export { startGraph, type GraphProcess } from './graph-process';
export { percentile, summarise, errorCode, type LevelResult } from './stats';
