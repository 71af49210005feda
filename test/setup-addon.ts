// vitest globalSetup: builds the test addon (scripts/build-addon.js) before
// any test process starts, when it is missing or older than a native source.
import { createRequire } from 'node:module';

export default function setup(): void {
  if (process.env.POSIXKIT_ADDON_PREBUILT) return;  // npm run test:asan built its own
  const require = createRequire(import.meta.url);
  const { build } = require('../scripts/build-addon.js') as { build(variant: string): string };
  build('test');
}
