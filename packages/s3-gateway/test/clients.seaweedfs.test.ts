import { describeClientTable } from './clients/describe-client-table.js';

describeClientTable('seaweedfs');
