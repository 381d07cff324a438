export { callWorkflow } from './call-workflow.js';
