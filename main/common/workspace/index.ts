// The workspace module: model, parser, serializer, facts and validation, for every host and the renderer.
export * from './schema.js';
export * from './parse.js';
export * from './serialize.js';
export * from './edit.js';
export * from './references.js';
export * from './paths.js';
export * from './facts.js';
export * from './empty.js';
export * from './ip.js';
export * from './migrations.js';
export * from './membership.js';
export * from './rules/index.js';
