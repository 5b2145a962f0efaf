// The workflow bundle's entry: every workflow the worker registers.
export { interviewWorkflow } from './interview';
export { monthlyReportsWorkflow, recordsSweepWorkflow } from './maintenance';
