// tsyringe, with the reflect-metadata polyfill it checks for when it loads. Both are CommonJS and are
// loaded here with require rather than import: Node's ESM loader pre-parses a CommonJS package's
// sources for export names (tsyringe's index re-exports about 30 files), which cost `hvmdev describe`
// (and `import 'hvmdev'`) tens of milliseconds of start-up. Loading reflect-metadata adds the
// metadata functions (Reflect.getMetadata, ...) to the global Reflect (README.md says so).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
require('reflect-metadata');
const tsyringe = require('tsyringe') as typeof import('tsyringe');

export const { container, instanceCachingFactory } = tsyringe;
export type { DependencyContainer } from 'tsyringe';
