export { startConsole, type ConsoleDeps, type ConsoleOptions, type RunningConsole } from './service.js';
export { ON_BEHALF_OF, SOURCE_ADDRESS } from './ra/proxy.js';
export { APP_CSP } from './static-app.js';
