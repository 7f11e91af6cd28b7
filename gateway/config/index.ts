export { loadConfig, parseConfig, parseYaml, type ParseOptions } from './load.js';
export { configJsonSchema, ConfigSchema, StoreConfigSchema, LOG_LEVELS, type Config, type ConfigInput, type StoreConfig, type LogLevel, type TrustedNetworkConfig } from './schema.js';
export { ConfigInvalidError } from './issues.js';
export { ENV_OVERRIDES } from './env.js';
