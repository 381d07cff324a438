export { callWorkflow } from './call-workflow.js';
export { dailyStatsWorkflow } from './daily-stats-workflow.js';
