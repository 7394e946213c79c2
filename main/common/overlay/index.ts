// Overlays between sites (pure): the workspace section, the resolved model, configuration text, MTU,
// bandwidth budget, tunnel status, facts, cross-reference checks and validation rules.
export * from './schema.js';
export * from './model.js';
export * from './config.js';
export * from './mtu.js';
export * from './facts.js';
export * from './status.js';
export * from './budget.js';
export * from './stack-traffic.js';
export * from './validate.js';
export { overlayRules } from './rules.js';
