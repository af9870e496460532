// The same skeleton with the platform's store on the real search engine (CI starts it with
// tests/engine/start.sh and sets SOC_TEST_ENGINE_URL): the collector creates the index templates, bulk-
// indexes the skeleton's events through the project's own adapter, and the console searches them back.
import { test } from 'node:test';
import { skeletonSuite } from './suite.js';

const url = process.env.SOC_TEST_ENGINE_URL;
if (!url) {
  test('walking skeleton on the search engine', (t) => t.skip('SOC_TEST_ENGINE_URL is not set (start one with tests/engine/start.sh)'));
} else {
  skeletonSuite('walking skeleton (search engine store)', {
    SOC__store__engine: 'auto',
    SOC__store__urls: JSON.stringify([url]),
    SOC__store__indexPrefix: `skeleton${Date.now().toString(36)}`,
  }, 10_000); // the engine's 1 s refresh and bulk round trips make visibility slower than SQLite's
}
