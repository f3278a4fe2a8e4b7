import { cleanEnv, tempDir } from './helpers.js';
import { describeObjectCommands } from './object-commands.js';

describeObjectCommands('local mode', async () => ({
  env: cleanEnv({ STOWAGE_MODE: 'local', STOWAGE_DATA_DIR: await tempDir('local-data') }),
  presignFetchable: false,
}));
