import { describeWithServer } from '@stowage/testkit';
import { describeServiceScenarios } from './service-scenarios.js';
import { seaweedfsOnPostgres } from './support/seaweedfs-on-postgres.js';

describeWithServer('seaweedfs', async (target) => {
  describeServiceScenarios('SeaweedFS on PostgreSQL', await seaweedfsOnPostgres(target, 'api'));
});
