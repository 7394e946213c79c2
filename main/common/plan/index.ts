// The plan model: schema, graph validation and secret placeholders.
export * from './schema.js';
export * from './dag.js';
export * from './secrets.js';
