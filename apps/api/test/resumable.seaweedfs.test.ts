import { describeWithServer } from '@stowage/testkit';
import { describeResumableScenarios } from './resumable-scenarios.js';
import { seaweedfsOnPostgres } from './support/seaweedfs-on-postgres.js';

describeWithServer('seaweedfs', async (target) => {
  describeResumableScenarios('SeaweedFS on PostgreSQL', await seaweedfsOnPostgres(target, 'api-resumable'));
});
