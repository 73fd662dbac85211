/** The integration test files of group 'integration-2' (INTEGRATION_GROUPS in groups.ts), in one process. */
import { runIntegrationGroup } from './groups.js'

await runIntegrationGroup('integration-2')
