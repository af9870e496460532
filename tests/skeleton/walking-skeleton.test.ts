import { skeletonSuite } from './suite.js';

skeletonSuite('walking skeleton (embedded SQLite store)');
