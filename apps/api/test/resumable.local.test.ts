import { describeResumableScenarios } from './resumable-scenarios.js';

describeResumableScenarios('local mode on PGlite', { config: () => ({ mode: 'local' }) });
