/** localgraph's programmatic entry: start a server in-process (for test runners). */
export { startServer, type RunningServer } from './server/start.js';
export type { ServerConfig } from './server/config.js';
