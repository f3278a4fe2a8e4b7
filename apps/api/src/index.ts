import '@stowage/runtime';

export { authenticate } from './auth/authenticate.js';
export { type JwtSettings, JwtVerifier } from './auth/jwt-verifier.js';
export { hasScope, type Principal } from './auth/principal.js';
export { type ApiOptions, buildApi } from './build-api.js';
export { ApiMetrics } from './observability/metrics.js';
