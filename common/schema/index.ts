export * from './names.js';
export * from './route.js';
export * from './tunnel-host.js';
export * from './credential.js';
export * from './profile.js';
export * from './lease.js';
