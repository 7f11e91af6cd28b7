export { loadConfig, parseConfig, parseYaml } from './load.js';
export { configJsonSchema, type Config, type ConfigInput, type StoreConfig } from './schema.js';
export { ConfigInvalidError } from './issues.js';
