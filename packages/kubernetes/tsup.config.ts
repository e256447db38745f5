import { defineConfig } from 'tsup';
import { polycloudPreset } from '../../tooling/tsup.preset';

export default defineConfig(polycloudPreset({ index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' }));
