import { describeServiceScenarios } from './service-scenarios.js';

describeServiceScenarios('local mode on PGlite', { config: () => ({ mode: 'local' }) });
