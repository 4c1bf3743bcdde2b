// `node --import ./test/support/run-ts.mjs src/cli/bin.ts …` runs the CLI from its sources in a child
// process (tests that measure a real process: exit codes, RSS). See ts-hooks.mjs.
import { register } from 'node:module';

// The legacy-decorator helpers the transformed sources call (TypeScript's __decorate/__param/__metadata).
globalThis.babelHelpers ??= {
  decorate(decorators, target, key, desc) {
    let r = arguments.length < 3 ? target : desc === undefined ? Object.getOwnPropertyDescriptor(target, key) : desc;
    for (let i = decorators.length - 1; i >= 0; i--) {
      const d = decorators[i];
      if (d) r = (arguments.length < 3 ? d(r) : arguments.length > 3 ? d(target, key, r) : d(target, key)) || r;
    }
    if (arguments.length > 3 && r) Object.defineProperty(target, key, r);
    return r;
  },
  decorateParam: (index, decorator) => (target, key) => decorator(target, key, index),
  decorateMetadata: (key, value) => (typeof Reflect === 'object' && typeof Reflect.metadata === 'function' ? Reflect.metadata(key, value) : () => undefined),
};
register('./ts-hooks.mjs', import.meta.url);
