// Test flows build their account node the way the demo does.
export { simulatorAccountNode as accountConfig } from '../../src/cli/demo-flow';
