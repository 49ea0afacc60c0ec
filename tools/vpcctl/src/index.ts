export { run } from './run.js';
export type { Io } from './cli/io.js';
