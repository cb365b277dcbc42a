// GraphiQL's own worker setups expect a bundler plugin (vite `?worker`, webpack `new URL`) or a CDN: here the three
// workers are bundled as files next to main.js (see scripts/build-ide.mjs) and Monaco is pointed at them.
import { readIdeConfig } from './config.js';

const { assetBase } = readIdeConfig();
const WORKER_FILES = { json: 'json.worker.js', graphql: 'graphql.worker.js' };

globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    return new Worker(`${assetBase}${WORKER_FILES[label] ?? 'editor.worker.js'}`, { name: label });
  },
};
